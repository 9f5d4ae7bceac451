/// One event of a generation stream (`axrpc.v1.GenerationEvent`).
public struct GenerationEvent: Sendable, Equatable {
    /// The `event` oneof.
    public enum Event: Sendable, Equatable {
        /// While waiting: at once, and whenever the position changes.
        case queued(QueueStatus)
        /// The next piece of generated text.
        case delta(String)
        /// Always the last event of a successful call.
        case done(Completion)
        /// A complete tool call parsed from the model's output.
        case toolCall(ToolCall)
    }

    public var event: Event?

    public init(event: Event? = nil) {
        self.event = event
    }
}

/// Where a request waits (`axrpc.v1.QueueStatus`); position 1 runs next.
public struct QueueStatus: Sendable, Equatable {
    public var position: UInt32
    public var queueDepth: UInt32

    public init(position: UInt32 = 0, queueDepth: UInt32 = 0) {
        self.position = position
        self.queueDepth = queueDepth
    }
}
