import Foundation

/// A request for JSON output (Ollama `format`, OpenAI `response_format`, gRPC `OutputFormat`).
/// The runtime cannot constrain decoding, so the gateway instructs the model in the system prompt
/// and checks the reply afterwards: code fences are stripped, the text must parse as JSON, and
/// match the schema when one was given.
package struct JSONOutput: Sendable, Equatable {
    /// nil: any JSON object.
    package var schema: JSONValue?

    package init(schema: JSONValue? = nil) {
        self.schema = schema
    }

    /// The sentence the model (and the emulator) is given; the exact wording is the contract.
    package static let instruction = "Respond with a JSON object only"

    /// The instruction, with the schema on one line when there is one.
    package var instructionText: String {
        var text = Self.instruction + ", without any other text or code fences."
        if let schema { text += "\nJSON schema: " + schema.serialized() }
        return text
    }

    /// `base` (the caller's system prompt, or nil) with the instruction appended.
    package func system(base: String?) -> String {
        guard let base, !base.isEmpty else { return instructionText }
        return base + "\n\n" + instructionText
    }

    /// The JSON text to return for the model's `reply`, or a reason it is not acceptable.
    package func check(_ reply: String) -> Result<String, JSONOutputFailure> {
        let text = Self.stripFences(reply)
        guard let value = JSONValue.parse(text: text) else {
            return .failure(JSONOutputFailure(reason: "it is not valid JSON", reply: reply))
        }
        if let schema, let problem = SchemaValidator(root: schema).problem(with: value, against: schema, at: "$") {
            return .failure(JSONOutputFailure(reason: "it does not match the schema: \(problem)", reply: reply))
        }
        return .success(text)
    }

    /// The text inside a Markdown code fence (```json ... ```), trimmed; else the text trimmed.
    package static func stripFences(_ reply: String) -> String {
        var text = reply.trimmingWhitespace()
        guard text.hasPrefix("```") else { return text }
        text.removeFirst(3)
        // The info string ("json") runs to the end of the first line.
        if let newline = text.firstIndex(of: "\n") { text = String(text[text.index(after: newline)...]) }
        if let fence = text.range(of: "```", options: .backwards) { text = String(text[..<fence.lowerBound]) }
        return text.trimmingWhitespace()
    }
}

/// Why a reply was not the JSON asked for; the message quotes the start of the reply.
package struct JSONOutputFailure: Error, Sendable, Equatable {
    package var reason: String
    package var reply: String

    package var message: String {
        let excerpt = reply.count > 200 ? String(reply.prefix(200)) + "..." : reply
        return "the model was asked for JSON but its reply was rejected: \(reason) "
            + "(the runtime cannot constrain decoding; retry, or simplify the schema). Reply: \(excerpt)"
    }
}
