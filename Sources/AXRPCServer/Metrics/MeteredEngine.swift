import RuntimeBridge

/// Wraps the engine so that every front end's generations and the runtime's status land in the
/// same metrics without the bridge knowing about Prometheus.
struct MeteredEngine: InferenceEngine {
    let base: any InferenceEngine
    let metrics: ServerMetrics

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        let upstream = base.generate(request)
        let metrics = self.metrics
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationUpdate.self)
        let relay = Task {
            do {
                for try await update in upstream {
                    if case let .done(summary) = update { metrics.record(summary) }
                    continuation.yield(update)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        // The consumer leaving cancels the relay, which drops the upstream stream: the bridge
        // sees the same cancellation as without the wrapper.
        continuation.onTermination = { _ in relay.cancel() }
        return stream
    }

    func status() async -> RuntimeStatus { await base.status() }
    func statusUpdates() -> AsyncStream<RuntimeStatus> { base.statusUpdates() }
    func models() async -> [ModelDescriptor] { await base.models() }

    /// Keeps the status gauges current until cancelled.
    func watchStatus() -> Task<Void, Never> {
        let metrics = self.metrics
        let updates = base.statusUpdates()
        return Task {
            for await status in updates { metrics.record(status) }
        }
    }
}
