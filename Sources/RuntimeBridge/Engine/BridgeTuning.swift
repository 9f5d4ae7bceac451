/// The bridge's timing knobs. The defaults suit the AX650 runtime; tests shorten them.
public struct BridgeTuning: Sendable {
    /// Pause between polls that returned no text, and the dense spacing of paced polls around a
    /// chunk that is due (see `PollPacer`): it bounds the latency the bridge adds to each chunk.
    public var pollInterval: Duration
    /// How long `done: true` must hold before the runtime counts as idle with nothing pending.
    /// It must exceed the worker's pick-up delay plus the gap between two queued tasks: the
    /// vendor's worker wakes on a condition variable (microseconds; a loaded Pi, a few ms), so
    /// 100 ms is a wide margin. It is paid only where nothing else proves the state: after a
    /// reset never seen running, after a stop that came before any text, after "llm is running".
    public var quietPeriod: Duration
    /// After `/api/stop`, how long the runtime may stay busy before it is restarted as hung.
    public var stopGrace: Duration
    /// How often `/api/stop` is repeated while the runtime is still busy (a stop sent before the
    /// run began is lost).
    public var stopRepeatInterval: Duration
    /// How long an accepted reset or generate may show no sign of running before the runtime is
    /// restarted as wedged.
    public var startTimeout: Duration
    /// How long "llm is running" from work the bridge did not post is waited out before the
    /// runtime is restarted (bounded by the caller's deadline first).
    public var busyWaitLimit: Duration
    /// Time limit for one HTTP exchange with the runtime (all of them answer at once).
    public var requestTimeout: Duration
    /// How often a request that finds the runtime unreachable before its generation started
    /// waits for the supervisor again (it may not have noticed the exit yet).
    public var reconnectAttempts: Int
    /// How long to wait for the supervisor to record why the runtime died, for the error text.
    public var deathReportGrace: Duration
    /// While a generation runs, polls are paced by the runtime's learnt chunk cadence
    /// (`PollPacer`); no pause is longer than this, so a surprise is seen within it (cancellation
    /// and deadlines end a pause at once). 500 ms: longer than the pacer's usual pause between two
    /// chunks at 4.5 tokens/s (444 ms), which a shorter ceiling would split into two polls.
    public var maxPollGap: Duration
    /// Ceiling on polls per second while a generation runs (other states poll every
    /// `pollInterval`).
    public var maxPollsPerSecond: Double
    /// When the queue empties after a stateless request, reset the runtime to the default system
    /// prompt in the background, so that the next Generate does not wait for it (see README,
    /// "How the bridge talks to the runtime").
    public var prepareWhenIdle: Bool

    public init(pollInterval: Duration = .milliseconds(5),
                quietPeriod: Duration = .milliseconds(100),
                stopGrace: Duration = .seconds(5),
                stopRepeatInterval: Duration = .milliseconds(250),
                startTimeout: Duration = .seconds(10),
                busyWaitLimit: Duration = .seconds(120),
                requestTimeout: Duration = .seconds(5),
                reconnectAttempts: Int = 3,
                deathReportGrace: Duration = .milliseconds(300),
                maxPollGap: Duration = .milliseconds(500),
                maxPollsPerSecond: Double = 250,
                prepareWhenIdle: Bool = true) {
        self.pollInterval = pollInterval
        self.quietPeriod = quietPeriod
        self.stopGrace = stopGrace
        self.stopRepeatInterval = stopRepeatInterval
        self.startTimeout = startTimeout
        self.busyWaitLimit = busyWaitLimit
        self.requestTimeout = requestTimeout
        self.reconnectAttempts = reconnectAttempts
        self.deathReportGrace = deathReportGrace
        self.maxPollGap = maxPollGap
        self.maxPollsPerSecond = maxPollsPerSecond
        self.prepareWhenIdle = prepareWhenIdle
    }

    var turnTiming: RuntimeTurnStateMachine.Timing {
        RuntimeTurnStateMachine.Timing(pollInterval: pollInterval, quietPeriod: quietPeriod,
                                       stopRepeatInterval: stopRepeatInterval, stopGrace: stopGrace,
                                       startTimeout: startTimeout, busyWaitLimit: busyWaitLimit,
                                       emptyReplyGrace: quietPeriod * 10,
                                       pacing: PollPacer.Settings(dense: pollInterval, maxGap: maxPollGap,
                                                                  maxPollsPerSecond: maxPollsPerSecond))
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
