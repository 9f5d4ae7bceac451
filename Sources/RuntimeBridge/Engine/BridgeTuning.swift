/// The bridge's timing knobs. The defaults suit the AX650 runtime; tests shorten them.
public struct BridgeTuning: Sendable {
    /// Pause between polls that returned no text (a poll that returned text is followed by the
    /// next one at once). Bounds the latency the bridge adds to each chunk.
    public var pollInterval: Duration
    /// Waits between `/api/generate` attempts answered "llm is running" (the reset before it
    /// runs asynchronously). One attempt per entry, then the request fails.
    public var busyRetryDelays: [Duration]
    /// A `done: true` before any sign of work is trusted only after this long (the runtime may
    /// answer done before a freshly queued generation starts).
    public var earlyDoneGrace: Duration
    /// After `/api/stop`, how long the runtime may stay busy before it is restarted as hung.
    public var stopGrace: Duration
    /// How often `/api/stop` is repeated while waiting (a stop sent before the run began is lost).
    public var stopRepeatInterval: Duration
    /// Time limit for one HTTP exchange with the runtime (all of them answer at once).
    public var requestTimeout: Duration
    /// How often a request that finds the runtime unreachable before its generation started
    /// waits for the supervisor again (it may not have noticed the exit yet).
    public var reconnectAttempts: Int
    /// How long to wait for the supervisor to record why the runtime died, for the error text.
    public var deathReportGrace: Duration

    public init(pollInterval: Duration = .milliseconds(5),
                // Short first (a reset of a short system prompt takes tens of ms), then 200 ms
                // steps: about 4 s in all, like the public proxy's 20 x 200 ms.
                busyRetryDelays: [Duration] = ([10, 20, 30, 40, 50, 50, 75, 100, 100, 150]
                                               + Array(repeating: 200, count: 17)).map { .milliseconds($0) },
                earlyDoneGrace: Duration = .seconds(1),
                stopGrace: Duration = .seconds(2),
                stopRepeatInterval: Duration = .milliseconds(250),
                requestTimeout: Duration = .seconds(5),
                reconnectAttempts: Int = 3,
                deathReportGrace: Duration = .milliseconds(300)) {
        self.pollInterval = pollInterval
        self.busyRetryDelays = busyRetryDelays
        self.earlyDoneGrace = earlyDoneGrace
        self.stopGrace = stopGrace
        self.stopRepeatInterval = stopRepeatInterval
        self.requestTimeout = requestTimeout
        self.reconnectAttempts = reconnectAttempts
        self.deathReportGrace = deathReportGrace
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
