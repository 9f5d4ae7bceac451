/// A tool call read from the model's `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`.
package struct ParsedToolCall: Sendable, Equatable {
    /// OpenAI's `call_...` id (also sent on gRPC); Ollama has none.
    package var id: String
    package var name: String
    /// Always a JSON object.
    package var arguments: JSONValue

    /// Reads the text between the tags; nil when it is not a call (then it stays plain text).
    /// Qwen writes `arguments` as an object; a string holding a JSON object is accepted too.
    package static func parse(_ body: String) -> ParsedToolCall? {
        guard let value = JSONValue.parse(text: body.trimmingWhitespace()),
              let name = value.member("name")?.stringValue, !name.isEmpty else { return nil }
        var arguments = value.member("arguments") ?? value.member("parameters") ?? .object([])
        if let text = arguments.stringValue {
            guard let inner = JSONValue.parse(text: text) else { return nil }
            arguments = inner
        }
        if arguments.isNull { arguments = .object([]) }
        guard arguments.isObject else { return nil }
        return ParsedToolCall(id: newID(), name: name, arguments: arguments)
    }

    /// The text Qwen's template writes for an assistant's earlier call (sent back in history).
    package static func promptText(name: String, arguments: JSONValue) -> String {
        "<tool_call>\n{\"name\": " + JSONValue.string(name).serialized() + ", \"arguments\": "
            + arguments.pythonStyle() + "}\n</tool_call>"
    }

    package static func newID() -> String {
        "call_" + String(UInt64.random(in: .min ... .max), radix: 36)
    }
}

extension String {
    /// The string without leading and trailing whitespace and newlines.
    package func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
