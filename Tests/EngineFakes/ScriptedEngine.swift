import NIOConcurrencyHelpers
import RuntimeBridge

/// An `InferenceEngine` for front-end tests: answers every generation with a script (updates,
/// then an optional error), records the requests it was given, and reports a fixed status. No
/// runtime, no scheduler, no threads of its own.
public final class ScriptedEngine: InferenceEngine {
    /// What one generation streams.
    public struct Script: Sendable {
        public var updates: [GenerationUpdate]
        public var failure: BridgeError?

        public init(updates: [GenerationUpdate], failure: BridgeError? = nil) {
            self.updates = updates
            self.failure = failure
        }

        /// Queue position 1, the text in the given pieces, then a normal end.
        public static func reply(_ pieces: [String], model: String = "qwen3:4b") -> Script {
            Script(updates: [.queued(position: 1, depth: 1)] + pieces.map { .delta($0) }
                + [.done(.finished(completionTokens: pieces.count, model: model))])
        }
    }

    private let state: NIOLockedValueBox<[GenerationRequest]> = NIOLockedValueBox([])
    private let script: NIOLockedValueBox<Script>
    private let fixedStatus: RuntimeStatus
    private let configured: [ModelDescriptor]

    public init(script: Script = .reply(["Hello", " world"]),
                status: RuntimeStatus = RuntimeStatus(phase: .ready, model: "qwen3:4b", queueCapacity: 8),
                models: [ModelDescriptor] = [ModelDescriptor(name: "qwen3:4b", family: "qwen3", parameterSize: "4B", quantization: "w8a16", contextLength: 2048, emulated: true, isDefault: true)]) {
        self.script = NIOLockedValueBox(script)
        fixedStatus = status
        configured = models
    }

    /// The requests generations were started with, in order.
    public var requests: [GenerationRequest] { state.withLockedValue { $0 } }

    /// Replaces the script of later generations.
    public func answer(with script: Script) {
        self.script.withLockedValue { $0 = script }
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        state.withLockedValue { $0.append(request) }
        let script = self.script.withLockedValue { $0 }
        return AsyncThrowingStream { continuation in
            for update in script.updates { continuation.yield(update) }
            continuation.finish(throwing: script.failure)
        }
    }

    public func status() async -> RuntimeStatus { fixedStatus }

    public func statusUpdates() -> AsyncStream<RuntimeStatus> {
        let status = fixedStatus
        return AsyncStream { continuation in
            continuation.yield(status)
            // Open until the consumer stops, as the real engine's is.
        }
    }

    public func models() async -> [ModelDescriptor] { configured }
}

extension GenerationSummary {
    /// A normal end with round numbers.
    public static func finished(completionTokens: Int, model: String) -> GenerationSummary {
        GenerationSummary(finishReason: .stop, promptTokens: 3, completionTokens: completionTokens, estimated: true,
                          queueMilliseconds: 1, timeToFirstTokenMilliseconds: 2, generationMilliseconds: 10,
                          totalMilliseconds: 12, tokensPerSecond: 100, contextReused: false, model: model)
    }
}
