import ArgumentParser
import AXRPCClient
import RPCProtocol

/// `axrpc generate "prompt"`: one stateless completion, streamed to stdout as it arrives. The
/// prompt `-`, or no prompt with stdin not a terminal (a pipe), reads the prompt from stdin.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Complete one prompt, streaming the text as it is generated.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sampling: SamplingFlags
    @OptionGroup var structured: StructuredFlags

    @Argument(help: "The prompt; - (or none, with a pipe on stdin) reads it from stdin.")
    var prompt: String?

    func validate() throws {
        if prompt == nil, Console.stdinIsTerminal {
            throw ValidationError("give a prompt, or - to read it from stdin")
        }
        if structured.toolsFile != nil {
            throw ValidationError("--tools needs a conversation; use `axrpc chat --tools FILE`")
        }
    }

    func run() async throws {
        let text: String
        if let prompt, prompt != "-" {
            text = prompt
        } else {
            text = await Self.readAllStdin()
        }
        let request = GenerateRequest(model: sampling.model, prompt: text, system: sampling.system,
                                      options: sampling.options, format: try structured.format())
        let printer = GenerationPrinter(json: global.json, verbose: global.verbose)
        let timeout = global.callTimeout
        try await global.withClient { client in
            _ = try await printer.run(client.generate(request, timeout: timeout),
                                 probe: { try? await client.health(timeout: .seconds(2)) })
        }
    }

    /// Everything on stdin, lines joined with newlines, without a trailing newline.
    private static func readAllStdin() async -> String {
        var lines: [String] = []
        while let line = await Console.readLine() { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
