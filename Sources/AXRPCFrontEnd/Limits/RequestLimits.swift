import Logging
import RuntimeBridge

/// Bounds on what one generation request may ask of the runtime, checked before it queues:
/// a prompt far beyond the model's context only wastes the tokenizer's and the queue's time.
package struct RequestLimits: Sendable, Equatable {
    package var maxPromptBytes = 256 * 1024
    package var maxChatMessages = 256

    package init(maxPromptBytes: Int = 256 * 1024, maxChatMessages: Int = 256) {
        self.maxPromptBytes = maxPromptBytes
        self.maxChatMessages = maxChatMessages
    }

    /// nil when the request is within bounds; otherwise what is wrong, naming the flag to raise.
    package func violation(_ request: GenerationRequest) -> String? {
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
package struct LimitedEngine: InferenceEngine {
    package let base: any InferenceEngine
    package let limits: RequestLimits
    package let logger: Logger

    package init(base: any InferenceEngine, limits: RequestLimits, logger: Logger) {
        self.base = base
        self.limits = limits
        self.logger = logger
    }

    package func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        if let violation = limits.violation(request) {
            (request.logger ?? logger).info("refused a request over a limit", metadata: ["violation": "\(violation)"])
            return AsyncThrowingStream { $0.finish(throwing: BridgeError.invalidArgument(violation)) }
        }
        return base.generate(request)
    }

    package func status() async -> RuntimeStatus { await base.status() }
    package func statusUpdates() -> AsyncStream<RuntimeStatus> { base.statusUpdates() }
    package func models() async -> [ModelDescriptor] { await base.models() }
}
