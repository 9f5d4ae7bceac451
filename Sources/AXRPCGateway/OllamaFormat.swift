import AXRPCFrontEnd
import AXRPCGatewayRequests
import RuntimeBridge

/// Ollama's answer objects for `/api/generate` and `/api/chat` (docs/api.md), streamed as
/// NDJSON or sent whole. The final object carries Ollama's statistics, from the bridge's timings:
///
/// * `total_duration`: from arrival to the end (`totalMilliseconds`);
/// * `load_duration`: the wait in the queue. The runtime keeps its model loaded, and Ollama's own
///   figure also includes its scheduler's wait for a runner;
/// * `prompt_eval_duration`: prompt processing, until the runtime's first chunk;
/// * `eval_duration`: the decode time of `eval_count` tokens at the rate measured over the
///   runtime's own generation time (so `eval_count / eval_duration` is that rate);
/// * `prompt_eval_count`, `eval_count`: token counts (estimates when the runtime gives none).
package struct OllamaFormat: StreamFormat {
    package enum Kind: Sendable { case generate, chat }

    package let kind: Kind
    /// The model name as the client sent it.
    package let model: String

    package var contentType: String { "application/x-ndjson" }

    package func opening() -> String { "" }

    package func delta(_ text: String) -> String {
        Self.line(object(text: text, done: false))
    }

    /// Ollama sends a chat's tool calls in a message of their own, one call per chunk here.
    package func toolCall(_ call: ParsedToolCall, index: Int) -> String {
        Self.line(object(text: "", done: false, toolCalls: [call]))
    }

    package func completion(_ summary: GenerationSummary, calledTools: Bool) -> String {
        Self.line(final(summary, text: ""))
    }

    package func failure(_ error: GatewayError) -> String {
        // The `ollama` package raises ResponseError on a line with an "error" key.
        Self.line(error.body(for: .ollama))
    }

    /// The one object of a non-streamed answer (or the last line of a stream, with text "").
    package func final(_ summary: GenerationSummary, text: String, toolCalls: [ParsedToolCall] = []) -> JSONValue {
        let prefill = summary.prefillMilliseconds
        let statistics: [(String, JSONValue)] = [
            ("done_reason", .string(Self.doneReason(summary.finishReason))),
            ("total_duration", .int(GatewayClock.nanoseconds(summary.totalMilliseconds))),
            ("load_duration", .int(GatewayClock.nanoseconds(summary.queueMilliseconds))),
            ("prompt_eval_count", .int(summary.promptTokens)),
            ("prompt_eval_duration", .int(GatewayClock.nanoseconds(prefill))),
            ("eval_count", .int(summary.completionTokens)),
            ("eval_duration", .int(GatewayClock.nanoseconds(summary.decodeMilliseconds))),
        ]
        guard case var .object(pairs) = object(text: text, done: true, toolCalls: toolCalls) else { return .null }
        pairs += statistics
        return .object(pairs)
    }

    /// The answer to a request without a prompt: Ollama loads (or unloads) the model and says so.
    package func loaded(unload: Bool) -> JSONValue {
        guard case var .object(pairs) = object(text: "", done: true) else { return .null }
        pairs.append(("done_reason", .string(unload ? "unload" : "load")))
        return .object(pairs)
    }

    private func object(text: String, done: Bool, toolCalls: [ParsedToolCall] = []) -> JSONValue {
        let content: (String, JSONValue)
        switch kind {
        case .generate: content = ("response", .string(text))
        case .chat:
            var message: [(String, JSONValue)] = [("role", "assistant"), ("content", .string(text))]
            if !toolCalls.isEmpty { message.append(("tool_calls", .array(toolCalls.map(Self.toolCall)))) }
            content = ("message", .object(message))
        }
        return .object([("model", .string(model)), ("created_at", .string(GatewayClock.rfc3339())), content,
                        ("done", .bool(done))])
    }

    /// `{"function": {"name", "arguments": {...}}}`: Ollama's calls carry arguments as an object.
    package static func toolCall(_ call: ParsedToolCall) -> JSONValue {
        ["function": ["name": .string(call.name), "arguments": call.arguments]]
    }

    /// Ollama knows "stop" and "length" (a reply of tool calls ends with "stop" there too); a stop sequence is a stop.
    package static func doneReason(_ reason: GenerationSummary.FinishReason) -> String {
        switch reason {
        case .stop, .stopSequence: return "stop"
        case .length: return "length"
        }
    }

    package static func line(_ value: JSONValue) -> String {
        value.serialized() + "\n"
    }
}
