import ArgumentParser
import AXRPCClient
import Dispatch
import RPCProtocol

/// `axrpc chat`: an interactive conversation. Each line of stdin is a user turn; the request
/// carries the whole history with exactly the assistant text received, which is what lets the
/// server recognise the conversation and reuse the runtime's context.
///
/// Ctrl-C during a reply cancels that turn only (the server stops generating) and the prompt
/// comes back; Ctrl-C at the prompt, Ctrl-D or `/exit` ends the session. With `--tools`, a reply
/// that calls tools is shown as `tool call: name(arguments)` and the next line you type is the
/// tools' result, sent back as ROLE_TOOL.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat interactively: one line of stdin per turn; EOF or /exit ends it, Ctrl-C cancels a reply.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sampling: SamplingFlags
    @OptionGroup var structured: StructuredFlags

    func run() async throws {
        let tools = try structured.tools()
        let format = try structured.format()
        guard let address = ServerAddress(parsing: global.address) else {
            throw ValidationError("--addr must be HOST:PORT")
        }
        let client = AXRPCClient(address: address, security: global.security.clientSecurity)
        do {
            // Dial first: an unreachable server must fail before chat waits for input.
            try await client.connect()
            try await converse(client, tools: tools, format: format)
            await client.close()
        } catch let exit as ExitCode {
            await client.close()
            throw exit
        } catch {
            await client.close()
            throw FailureReport.exitCode(for: error, json: global.json)
        }
    }

    private func converse(_ client: AXRPCClient, tools: [Tool], format: OutputFormat?) async throws {
        var history: [ChatMessage] = []
        if !sampling.system.isEmpty { history.append(ChatMessage(role: .system, content: sampling.system)) }
        var turn = 0
        var awaitingToolResult = false
        while let line = await Self.nextLine(toolResult: awaitingToolResult) {
            if line == "/exit" { break }
            if line.isEmpty { continue }
            turn += 1
            let message = ChatMessage(role: awaitingToolResult ? .tool : .user, content: line)
            let request = ChatRequest(model: sampling.model, messages: history + [message], options: sampling.options,
                                      tools: tools, toolChoice: structured.toolChoice, format: format)
            let printer = GenerationPrinter(json: global.json, verbose: global.verbose, turn: turn)
            let result = ReplySlot()
            let timeout = global.callTimeout
            let interrupted = try await Interruption.run {
                let reply = try await printer.run(client.chat(request, timeout: timeout),
                                                  probe: { try? await client.health(timeout: .seconds(2)) })
                result.store(reply)
            }
            guard !interrupted, let reply = result.value else {
                // The turn never happened: the history stays as it was, so the next one still matches.
                Console.err("\n(reply cancelled)\n")
                continue
            }
            history.append(message)
            history.append(ChatMessage(role: .assistant, content: reply.text, toolCalls: reply.toolCalls))
            awaitingToolResult = !reply.toolCalls.isEmpty
        }
    }

    /// The next line, trimmed; a prompt on stderr only when a person is typing.
    private static func nextLine(toolResult: Bool) async -> String? {
        if Console.stdinIsTerminal { Console.err(toolResult ? "tool result> " : "> ") }
        return await Console.readLine().map(trimmed)
    }

    private static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }
}

/// Hands a turn's result out of the task that `Interruption` may cancel.
private final class ReplySlot: @unchecked Sendable {
    private let queue = DispatchQueue(label: "axrpc.chat.reply")
    private var stored: GenerationPrinter.Result?

    var value: GenerationPrinter.Result? { queue.sync { stored } }

    func store(_ result: GenerationPrinter.Result) { queue.sync { stored = result } }
}
