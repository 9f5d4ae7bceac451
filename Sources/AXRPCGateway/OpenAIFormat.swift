import AXRPCFrontEnd
import AXRPCGatewayRequests
import RuntimeBridge

/// OpenAI's answer objects for `/v1/chat/completions` (`chat.completion`, streamed as
/// `chat.completion.chunk`s) and `/v1/completions` (`text_completion`). Streams are server-sent
/// events: `data: {chunk}` lines, a chunk with `finish_reason`, optionally a usage chunk, then
/// `data: [DONE]`.
package struct OpenAIFormat: StreamFormat {
    package enum Kind: Sendable { case chat, text }

    package let kind: Kind
    /// The model as the client sent it.
    package let model: String
    package let includeUsage: Bool
    /// One id and creation time for every chunk of a response, as OpenAI does.
    package let id: String
    package let created: Int

    package init(kind: Kind, model: String, includeUsage: Bool = false) {
        self.kind = kind
        self.model = model
        self.includeUsage = includeUsage
        let random = (0..<2).map { _ in String(UInt64.random(in: .min ... .max), radix: 36) }.joined()
        id = (kind == .chat ? "chatcmpl-" : "cmpl-") + random
        created = GatewayClock.unixSeconds()
    }

    package var contentType: String { "text/event-stream; charset=utf-8" }

    package func opening() -> String {
        // The first chat chunk announces the role, with empty content.
        kind == .chat ? Self.event(chunk(choice(delta: ["role": "assistant", "content": ""], finish: nil))) : ""
    }

    package func delta(_ text: String) -> String {
        Self.event(chunk(choice(delta: ["content": .string(text)], finish: nil)))
    }

    /// One chunk per call, complete: `{"tool_calls": [{"index", "id", "type", "function":
    /// {"name", "arguments"}}]}`, which clients accumulate by index like partial ones.
    package func toolCall(_ call: ParsedToolCall, index: Int) -> String {
        var entry = Self.toolCall(call)
        if case var .object(pairs) = entry {
            pairs.insert(("index", .int(index)), at: 0)
            entry = .object(pairs)
        }
        return Self.event(chunk(choice(delta: ["tool_calls": [entry]], finish: nil)))
    }

    package func completion(_ summary: GenerationSummary, calledTools: Bool) -> String {
        let reason: JSONValue = calledTools ? "tool_calls" : .string(Self.finishReason(summary.finishReason))
        var events = Self.event(chunk(choice(delta: [:], reason: reason)))
        if includeUsage {
            events += Self.event(object(kind == .chat ? "chat.completion.chunk" : "text_completion",
                                        choices: [], usage: Self.usage(summary)))
        }
        return events + "data: [DONE]\n\n"
    }

    package func failure(_ error: GatewayError) -> String {
        // The `openai` package raises APIError for an event whose data has an "error" key.
        Self.event(error.body(for: .openai))
    }

    /// The one object of a non-streamed answer.
    package func whole(_ text: String, toolCalls: [ParsedToolCall] = [], summary: GenerationSummary) -> JSONValue {
        let reason: JSONValue = toolCalls.isEmpty ? .string(Self.finishReason(summary.finishReason)) : "tool_calls"
        let choice: JSONValue
        switch kind {
        case .chat:
            var message: [(String, JSONValue)] = [("role", "assistant")]
            if toolCalls.isEmpty {
                message.append(("content", .string(text)))
            } else {
                // OpenAI sends null content beside tool calls unless the model also wrote text.
                message.append(("content", text.isEmpty ? nil : .string(text)))
                message.append(("tool_calls", .array(toolCalls.map(Self.toolCall))))
            }
            choice = ["index": 0, "message": .object(message), "logprobs": nil, "finish_reason": reason]
        case .text:
            choice = ["index": 0, "text": .string(text), "logprobs": nil, "finish_reason": reason]
        }
        return object(kind == .chat ? "chat.completion" : "text_completion", choices: [choice],
                      usage: Self.usage(summary))
    }

    /// A streamed chunk: chat chunks carry `delta`, text chunks carry `text`.
    private func choice(delta: JSONValue, finish: GenerationSummary.FinishReason?) -> JSONValue {
        choice(delta: delta, reason: finish.map { .string(Self.finishReason($0)) } ?? nil)
    }

    private func choice(delta: JSONValue, reason: JSONValue) -> JSONValue {
        switch kind {
        case .chat:
            return ["index": 0, "delta": delta, "logprobs": nil, "finish_reason": reason]
        case .text:
            return ["index": 0, "text": delta["content"] ?? "", "logprobs": nil, "finish_reason": reason]
        }
    }

    private func chunk(_ choice: JSONValue) -> JSONValue {
        object(kind == .chat ? "chat.completion.chunk" : "text_completion", choices: [choice], usage: nil)
    }

    private func object(_ type: String, choices: [JSONValue], usage: JSONValue?) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("id", .string(id)), ("object", .string(type)), ("created", .int(created)),
                                            ("model", .string(model)), ("choices", .array(choices))]
        if let usage { pairs.append(("usage", usage)) }
        return .object(pairs)
    }

    /// `{"id", "type": "function", "function": {"name", "arguments": "<JSON text>"}}`.
    package static func toolCall(_ call: ParsedToolCall) -> JSONValue {
        ["id": .string(call.id), "type": "function",
         "function": ["name": .string(call.name), "arguments": .string(call.arguments.serialized())]]
    }

    package static func usage(_ summary: GenerationSummary) -> JSONValue {
        ["prompt_tokens": .int(summary.promptTokens), "completion_tokens": .int(summary.completionTokens),
         "total_tokens": .int(summary.promptTokens + summary.completionTokens)]
    }

    /// OpenAI says "stop" for a natural end and for a stop sequence, "length" at the token limit.
    package static func finishReason(_ reason: GenerationSummary.FinishReason) -> String {
        switch reason {
        case .stop, .stopSequence: return "stop"
        case .length: return "length"
        }
    }

    package static func event(_ value: JSONValue) -> String {
        "data: " + value.serialized() + "\n\n"
    }
}
