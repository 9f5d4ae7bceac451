import Logging
import RuntimeBridge

/// Bounds on what one generation request may ask of the runtime, checked before it queues:
/// a prompt far beyond the model's context only wastes the tokenizer's and the queue's time.
struct RequestLimits: Sendable, Equatable {
    var maxPromptBytes = 256 * 1024
    var maxChatMessages = 256

    /// nil when the request is within bounds; otherwise what is wrong, naming the flag to raise.
    func violation(_ request: GenerationRequest) -> String? {
        let bytes: Int
        switch request.job {
        case let .generate(prompt, system):
            bytes = prompt.utf8.count + (system?.utf8.count ?? 0)
        case let .chat(turns):
            if turns.count > maxChatMessages {
                return "the chat has \(turns.count) messages; this server takes at most \(maxChatMessages) (--max-chat-messages)"
            }
            bytes = turns.reduce(0) { $0 + $1.content.utf8.count }
        }
        if bytes > maxPromptBytes {
            return "the prompt is \(bytes) bytes; this server takes at most \(maxPromptBytes) (--max-prompt-bytes)"
        }
        return nil
    }
}

/// The engine behind every front end, refusing requests over `RequestLimits` with
/// INVALID_ARGUMENT (gRPC) / 400 (HTTP) before they reach the queue.
struct LimitedEngine: InferenceEngine {
    let base: any InferenceEngine
    let limits: RequestLimits
    let logger: Logger

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        if let violation = limits.violation(request) {
            logger.info("refused a request over a limit: \(violation)")
            return AsyncThrowingStream { $0.finish(throwing: BridgeError.invalidArgument(violation)) }
        }
        return base.generate(request)
    }

    func status() async -> RuntimeStatus { await base.status() }
    func statusUpdates() -> AsyncStream<RuntimeStatus> { base.statusUpdates() }
    func models() async -> [ModelDescriptor] { await base.models() }
}
