import ArgumentParser
import Foundation
import RPCProtocol

/// Tool and JSON-output options of `chat` and `generate`: the same fields the gRPC API has.
struct StructuredFlags: ParsableArguments, Sendable {
    @Option(name: .customLong("tools"), help: ArgumentHelp(
        "A JSON file of tools the model may call (chat only): a list in OpenAI's or Ollama's form, "
            + "[{\"type\": \"function\", \"function\": {\"name\", \"description\", \"parameters\"}}].",
        valueName: "FILE"))
    var toolsFile: String?

    @Option(name: .customLong("tool-choice"), help: "auto (default), none, required, or a tool's name (chat only).")
    var toolChoice = ""

    @Flag(name: .customLong("json-output"), help: "Ask for a JSON object; the server checks the reply.")
    var jsonOutput = false

    @Option(name: .customLong("json-schema"), help: ArgumentHelp(
        "A JSON schema file the reply must match (implies --json-output).", valueName: "FILE"))
    var schemaFile: String?

    /// The output format, or nil for free text.
    func format() throws -> OutputFormat? {
        if let schemaFile {
            return OutputFormat(json: true, jsonSchema: try Self.read(schemaFile, what: "--json-schema"))
        }
        return jsonOutput ? OutputFormat(json: true) : nil
    }

    /// The tools of `--tools`, read into the API's messages.
    func tools() throws -> [Tool] {
        guard let toolsFile else { return [] }
        let text = try Self.read(toolsFile, what: "--tools")
        guard let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any] else {
            throw ValidationError("--tools \(toolsFile): expected a JSON list of tools")
        }
        return try list.enumerated().map { index, entry in
            let object = entry as? [String: Any] ?? [:]
            // OpenAI and Ollama nest the function; a bare {name, parameters} is accepted too.
            let function = object["function"] as? [String: Any] ?? object
            guard let name = function["name"] as? String, !name.isEmpty else {
                throw ValidationError("--tools \(toolsFile): tool \(index) has no function name")
            }
            var parameters = ""
            if let schema = function["parameters"] {
                let data = try JSONSerialization.data(withJSONObject: schema, options: [.sortedKeys])
                parameters = String(decoding: data, as: UTF8.self)
            }
            return Tool(name: name, description: function["description"] as? String ?? "", parametersJSON: parameters)
        }
    }

    private static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(what) \(path): cannot read the file")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
