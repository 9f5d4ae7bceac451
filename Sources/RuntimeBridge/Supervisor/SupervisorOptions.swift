/// The supervisor's timings and limits. The defaults suit the real runtime (a model load takes
/// up to about 2 minutes); tests shrink them.
public struct SupervisorOptions: Sendable, Equatable {
    /// How long a launch may take to accept TCP connections before it counts as failed.
    public var startupTimeout: Duration
    /// How often a starting runtime (or an attached one that is down) is probed.
    public var readinessPollInterval: Duration
    /// How often an attached runtime that is up is probed (launched ones are watched by pid).
    public var attachedCheckInterval: Duration
    /// Between SIGTERM and SIGKILL when stopping a program.
    public var terminationGrace: Duration
    /// The wait before the first restart after a failure; doubles with each further failure in
    /// the window, up to `maximumBackoff`.
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    /// This many failures within `failureWindow` and the supervisor gives up (phase `.failed`).
    public var maximumFailures: Int
    public var failureWindow: Duration
    /// Output lines kept per program for error reports.
    public var retainedLines: Int

    public init(startupTimeout: Duration = .seconds(300), readinessPollInterval: Duration = .milliseconds(200),
                attachedCheckInterval: Duration = .seconds(2), terminationGrace: Duration = .seconds(5),
                initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(30),
                maximumFailures: Int = 5, failureWindow: Duration = .seconds(600), retainedLines: Int = 50) {
        self.startupTimeout = startupTimeout
        self.readinessPollInterval = readinessPollInterval
        self.attachedCheckInterval = attachedCheckInterval
        self.terminationGrace = terminationGrace
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.maximumFailures = maximumFailures
        self.failureWindow = failureWindow
        self.retainedLines = retainedLines
    }
}

/// Failures within the sliding window, and the backoff they call for.
struct FailureHistory: Sendable {
    let options: SupervisorOptions
    private(set) var times: [ContinuousClock.Instant] = []

    init(options: SupervisorOptions) {
        self.options = options
    }

    /// Records a failure at `now`; returns how many fall within the window.
    mutating func record(at now: ContinuousClock.Instant) -> Int {
        times.append(now)
        times.removeAll { now - $0 > options.failureWindow }
        return times.count
    }

    mutating func reset() {
        times.removeAll()
    }

    var givesUp: Bool { times.count >= options.maximumFailures }

    /// initial x 2^(failures in window - 1), capped.
    var backoff: Duration {
        var delay = options.initialBackoff
        for _ in 1..<max(1, times.count) {
            delay = delay * 2
            if delay >= options.maximumBackoff { return options.maximumBackoff }
        }
        return min(delay, options.maximumBackoff)
    }
}

extension Duration {
    /// "1.5 s", "250 ms": for log lines.
    var readable: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 120 { return "\((seconds * 10).rounded() / 10) s" }
        return "\((seconds / 6).rounded() / 10) min"
    }

    var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
