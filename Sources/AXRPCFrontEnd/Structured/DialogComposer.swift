import RuntimeBridge

/// A chat message as the APIs send it, before it becomes the bridge's `ChatTurn`: besides
/// system, user and assistant text there are an assistant's tool calls and tool results.
package struct IncomingMessage: Sendable, Equatable {
    package enum Role: Sendable, Equatable { case system, user, assistant, tool }
    /// A call an assistant message made earlier.
    package struct Call: Sendable, Equatable {
        package var name: String
        package var arguments: JSONValue

        package init(name: String, arguments: JSONValue) {
            self.name = name
            self.arguments = arguments
        }
    }

    package var role: Role
    package var content: String
    package var toolCalls: [Call] = []

    package init(role: Role, content: String, toolCalls: [Call] = []) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
    }
}

/// Turns API messages into the bridge's turns the way Qwen3's chat template writes them, so the
/// bridge (which only knows system, user and assistant text) needs no change:
/// * an assistant's tool calls become `<tool_call>` blocks after its text;
/// * tool results become one user turn of `<tool_response>` blocks (consecutive results share
///   one turn, as in the template);
/// * the tools block and the JSON instruction become one more system turn after the caller's.
package enum DialogComposer {
    package static func turns(_ messages: [IncomingMessage], extraSystem: String?) -> [ChatTurn] {
        var turns: [ChatTurn] = []
        var lastWasTool = false
        for message in messages {
            switch message.role {
            case .system:
                turns.append(ChatTurn(role: .system, content: message.content))
            case .user:
                turns.append(ChatTurn(role: .user, content: message.content))
            case .assistant:
                turns.append(ChatTurn(role: .assistant, content: assistantText(message)))
            case .tool:
                let block = "<tool_response>\n" + message.content + "\n</tool_response>"
                if lastWasTool, let last = turns.popLast() {
                    turns.append(ChatTurn(role: .user, content: last.content + "\n" + block))
                } else {
                    turns.append(ChatTurn(role: .user, content: block))
                }
            }
            lastWasTool = message.role == .tool
        }
        guard let extraSystem, !extraSystem.isEmpty else { return turns }
        // After the caller's system messages: the planner joins them in order.
        let index = turns.lastIndex { $0.role == .system }.map { $0 + 1 } ?? 0
        turns.insert(ChatTurn(role: .system, content: extraSystem), at: index)
        return turns
    }

    /// The assistant's text followed by its calls, one `<tool_call>` block each.
    package static func assistantText(_ message: IncomingMessage) -> String {
        var parts = message.content.isEmpty ? [] : [message.content]
        parts += message.toolCalls.map { ParsedToolCall.promptText(name: $0.name, arguments: $0.arguments) }
        return parts.joined(separator: "\n")
    }

    /// The system text a request adds: its tools block (under its tool choice) and the JSON
    /// instruction; nil when it adds nothing.
    package static func extraSystem(tools: [ToolSpec], choice: ToolChoice, json: JSONOutput?) -> String? {
        var parts: [String] = []
        if let block = ToolPrompt.system(base: nil, tools: tools, choice: choice) { parts.append(block) }
        if let json { parts.append(json.instructionText) }
        return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
    }

    /// The shaping that goes with the request.
    package static func shaping(tools: [ToolSpec], choice: ToolChoice, json: JSONOutput?) -> ReplyShaping {
        let offered = !ToolPrompt.offered(tools, choice: choice).isEmpty
        var requires = false
        if case .required = choice { requires = offered }
        if case .named = choice { requires = offered }
        return ReplyShaping(parsesToolCalls: offered, requiresToolCall: requires, json: json)
    }
}
