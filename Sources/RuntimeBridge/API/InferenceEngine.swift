/// The one door to the runtime that every front end (gRPC, HTTP gateway) uses, so that all of
/// them share one queue, one cancellation path and one set of statistics.
public protocol InferenceEngine: Sendable {
    /// Queues the request and streams its updates. Ends by throwing a `BridgeError` on failure.
    /// Cancelling the consuming task (or dropping the stream) cancels the generation: removed from
    /// the queue, or the runtime told to stop.
    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error>
    /// The current status.
    func status() async -> RuntimeStatus
    /// The current status at once, then every change, until the consumer stops.
    func statusUpdates() -> AsyncStream<RuntimeStatus>
    /// The configured models.
    func models() async -> [ModelDescriptor]
}
