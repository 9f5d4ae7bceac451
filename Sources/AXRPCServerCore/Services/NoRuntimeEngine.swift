import RuntimeBridge

/// The engine of a server started with `--no-runtime`: the gRPC surface (health, reflection,
/// listing) works and generation answers UNAVAILABLE. Useful to probe the transport alone.
package struct NoRuntimeEngine: InferenceEngine {
    package init() {}

    package func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        AsyncThrowingStream { $0.finish(throwing: BridgeError.unavailable("no runtime attached")) }
    }

    package func status() async -> RuntimeStatus {
        RuntimeStatus(phase: .stopped, model: "", lastError: "no runtime attached")
    }

    package func statusUpdates() -> AsyncStream<RuntimeStatus> {
        // One value, then open until the watcher leaves: the state never changes.
        let (stream, continuation) = AsyncStream<RuntimeStatus>.makeStream()
        continuation.yield(RuntimeStatus(phase: .stopped, model: "", lastError: "no runtime attached"))
        return stream
    }

    package func models() async -> [ModelDescriptor] { [] }
}
