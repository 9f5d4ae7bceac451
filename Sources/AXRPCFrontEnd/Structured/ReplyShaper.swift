/// What a request asks of the reply beyond free text, decided once per request by the front end.
package struct ReplyShaping: Sendable, Equatable {
    /// Tools were offered: `<tool_call>` blocks in the reply become tool calls.
    package var parsesToolCalls = false
    /// `tool_choice` required (or named) a call: a reply without one is an error.
    package var requiresToolCall = false
    /// JSON output was asked for: the whole reply is checked before it goes out.
    package var json: JSONOutput?

    package static let plain = ReplyShaping()

    package init(parsesToolCalls: Bool = false, requiresToolCall: Bool = false, json: JSONOutput? = nil) {
        self.parsesToolCalls = parsesToolCalls
        self.requiresToolCall = requiresToolCall
        self.json = json
    }

    /// Whether text must be held until the end (JSON is checked whole; a required call means any
    /// text is the failure case, which must not have been streamed already).
    package var buffersWholeReply: Bool { json != nil || requiresToolCall }
}

/// A reply that cannot be returned as asked: no tool call where one was required, or text that
/// is not the JSON asked for. HTTP answers 502 (the model, our upstream, misbehaved), gRPC INTERNAL.
package struct ShapingFailure: Error, Sendable, Equatable {
    /// A stable name: `tool_call_missing` or `invalid_json_output`.
    package var code: String
    package var message: String
}

/// Applies a `ReplyShaping` to the text deltas of one generation: hands on text and tool calls as
/// they become certain, and judges the reply at the end. One per request; not shared.
package struct ReplyShaper: Sendable {
    /// What the front end writes next.
    package enum Output: Sendable, Equatable {
        case text(String)
        case toolCall(ParsedToolCall)
    }

    package let shaping: ReplyShaping
    private var splitter = ToolCallSplitter()
    /// The whole reply, while `buffersWholeReply`.
    private var buffered = ""
    package private(set) var toolCalls: [ParsedToolCall] = []

    package init(_ shaping: ReplyShaping) {
        self.shaping = shaping
    }

    package mutating func push(_ text: String) -> [Output] {
        if shaping.buffersWholeReply {
            buffered += text
            return []
        }
        guard shaping.parsesToolCalls else { return [.text(text)] }
        return record(splitter.push(text))
    }

    /// The rest of the reply, or why it cannot be returned.
    package mutating func finish() -> Result<[Output], ShapingFailure> {
        guard shaping.buffersWholeReply else {
            return .success(shaping.parsesToolCalls ? record(splitter.finish()) : [])
        }
        if shaping.parsesToolCalls {
            var pieces = splitter.push(buffered)
            pieces += splitter.finish()
            let outputs = record(pieces)
            if !toolCalls.isEmpty {
                // A call was made: text around it is incidental and JSON mode does not apply.
                return .success(outputs)
            }
            if shaping.requiresToolCall {
                return .failure(ShapingFailure(
                    code: "tool_call_missing",
                    message: "tool_choice required a tool call, but the model answered with text: "
                        + Self.excerpt(buffered) + " (the runtime cannot force a call; retry or rephrase)"))
            }
        }
        guard let json = shaping.json else { return .success(buffered.isEmpty ? [] : [.text(buffered)]) }
        switch json.check(buffered) {
        case let .success(text): return .success([.text(text)])
        case let .failure(failure):
            return .failure(ShapingFailure(code: "invalid_json_output", message: failure.message))
        }
    }

    private mutating func record(_ pieces: [ToolCallSplitter.Piece]) -> [Output] {
        pieces.map { piece in
            switch piece {
            case let .text(text): return .text(text)
            case let .call(call):
                toolCalls.append(call)
                return .toolCall(call)
            }
        }
    }

    private static func excerpt(_ text: String) -> String {
        let quoted = text.count > 200 ? String(text.prefix(200)) + "..." : text
        return "\"" + quoted + "\""
    }
}
