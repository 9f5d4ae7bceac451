import RuntimeBridge

/// Wraps the engine so that every front end's generations and the runtime's status land in the
/// same metrics without the bridge knowing about Prometheus.
package struct MeteredEngine: InferenceEngine {
    package let base: any InferenceEngine
    package let metrics: ServerMetrics

    package init(base: any InferenceEngine, metrics: ServerMetrics) {
        self.base = base
        self.metrics = metrics
    }

    package func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        // Pulled through in the consumer's own task: no relay task, no second hop per delta.
        // The consumer's cancellation reaches the bridge's stream exactly as without the wrapper.
        let updates = UpdateIterator(base.generate(request).makeAsyncIterator())
        let metrics = self.metrics
        return AsyncThrowingStream {
            let update = try await updates.next()
            if case let .done(summary) = update { metrics.record(summary) }
            return update
        }
    }

    package func status() async -> RuntimeStatus { await base.status() }
    package func statusUpdates() -> AsyncStream<RuntimeStatus> { base.statusUpdates() }
    package func models() async -> [ModelDescriptor] { await base.models() }

    /// Keeps the status gauges current until cancelled.
    package func watchStatus() -> Task<Void, Never> {
        let metrics = self.metrics
        let updates = base.statusUpdates()
        return Task {
            for await status in updates { metrics.record(status) }
        }
    }
}

/// The bridge's iterator, boxed for the unfolding stream's closure. Only the one task that
/// consumes the stream ever calls `next()`, one call at a time.
private final class UpdateIterator: @unchecked Sendable {
    private var base: AsyncThrowingStream<GenerationUpdate, any Error>.AsyncIterator
    init(_ base: AsyncThrowingStream<GenerationUpdate, any Error>.AsyncIterator) { self.base = base }
    func next() async throws -> GenerationUpdate? { try await base.next() }
}
