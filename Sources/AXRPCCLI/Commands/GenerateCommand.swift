import ArgumentParser
import AXRPCClient
import RPCProtocol

/// `axrpc generate "prompt"`: one stateless completion, streamed to stdout as it arrives.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Complete one prompt, streaming the text as it is generated.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sampling: SamplingFlags

    @Argument(help: "The prompt.")
    var prompt: String

    func run() async throws {
        let request = GenerateRequest(model: sampling.model, prompt: prompt, system: sampling.system,
                                      options: sampling.options)
        let printer = GenerationPrinter(json: global.json, verbose: global.verbose)
        let timeout = global.callTimeout
        try await global.withClient { client in
            _ = try await printer.run(client.generate(request, timeout: timeout))
        }
    }
}
