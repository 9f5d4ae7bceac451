import ArgumentParser
import AXRPCClient
import RPCProtocol

/// `axrpc chat`: an interactive conversation. Each line of stdin is a user turn; the request
/// carries the whole history with exactly the assistant text received, which is what lets the
/// server recognise the conversation and reuse the runtime's context.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat interactively: one line of stdin per turn; EOF or /exit ends it.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sampling: SamplingFlags

    func run() async throws {
        let global = global
        let sampling = sampling
        try await global.withClient { client in
            var history: [ChatMessage] = []
            if !sampling.system.isEmpty { history.append(ChatMessage(role: .system, content: sampling.system)) }
            var turn = 0
            while let line = await Self.nextUserLine() {
                if line == "/exit" { break }
                if line.isEmpty { continue }
                turn += 1
                history.append(ChatMessage(role: .user, content: line))
                let request = ChatRequest(model: sampling.model, messages: history, options: sampling.options)
                let printer = GenerationPrinter(json: global.json, verbose: global.verbose, turn: turn)
                let reply = try await printer.run(client.chat(request, timeout: global.callTimeout))
                history.append(ChatMessage(role: .assistant, content: reply.text))
            }
        }
    }

    /// The next line, trimmed; a prompt on stderr only when a person is typing.
    private static func nextUserLine() async -> String? {
        if Console.stdinIsTerminal { Console.err("> ") }
        return await Console.readLine().map(trimmed)
    }

    private static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }
}
