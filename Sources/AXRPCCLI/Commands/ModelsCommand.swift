import ArgumentParser
import AXRPCClient
import RPCProtocol

/// `axrpc models`: the models the server can run, as a table or one JSON object per model.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models the server can run.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let global = global
        try await global.withClient { client in
            let models = try await client.listModels(timeout: global.callTimeout).models
            if global.json {
                for model in models { Console.out(Self.json(model).text + "\n") }
            } else {
                Console.out(Self.table(models))
            }
        }
    }

    static func json(_ model: ModelInfo) -> JSONObject {
        var object = JSONObject()
        object.set("name", model.name)
        object.set("family", model.family)
        object.set("parameter_size", model.parameterSize)
        object.set("quantization", model.quantization)
        object.set("context_length", model.contextLength)
        object.set("loaded", model.loaded)
        object.set("emulated", model.emulated)
        object.set("is_default", model.isDefault)
        return object
    }

    static func table(_ models: [ModelInfo]) -> String {
        let header = ["NAME", "FAMILY", "SIZE", "QUANT", "CONTEXT", "FLAGS"]
        let rows = models.map { model -> [String] in
            let flags = [model.isDefault ? "default" : nil, model.loaded ? "loaded" : nil,
                         model.emulated ? "emulated" : nil].compactMap { $0 }
            return [model.name, model.family, model.parameterSize, model.quantization,
                    "\(model.contextLength)", flags.joined(separator: ",")]
        }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count + 2)
            }.joined() + "\n"
        }.joined()
    }
}
