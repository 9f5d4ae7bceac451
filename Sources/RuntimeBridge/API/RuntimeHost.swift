/// One life of the runtime process: a restart makes a new one, with an empty KV cache.
public struct RuntimeIncarnation: Sendable, Equatable {
    /// Increases with every (re)start, so holders of conversation state can tell it is gone.
    public var id: Int
    /// Where the runtime's HTTP API listens, e.g. `http://127.0.0.1:8000`.
    public var host: String
    public var port: Int
    public init(id: Int, host: String, port: Int) {
        self.id = id
        self.host = host
        self.port = port
    }
}

/// What the supervisor tells observers about the process it runs.
public struct SupervisorSnapshot: Sendable, Equatable {
    /// starting, ready, restarting, failed or stopped (never busy: only the scheduler knows that).
    public var phase: RuntimePhase
    public var restarts: Int
    public var lastError: String
    public init(phase: RuntimePhase, restarts: Int = 0, lastError: String = "") {
        self.phase = phase
        self.restarts = restarts
        self.lastError = lastError
    }
}

/// The scheduler's view of the supervised runtime: wait for it, and ask for a restart when it hangs.
/// `RuntimeSupervisor` implements it; tests use fakes.
public protocol RuntimeHost: Sendable {
    /// Waits until the runtime accepts TCP connections. Throws `BridgeError.unavailable` (saying
    /// why, quoting the runtime's last lines) when it has failed or stopped, or
    /// `BridgeError.deadlineExceeded` when `deadline` passes first.
    func waitUntilReady(deadline: ContinuousClock.Instant?) async throws -> RuntimeIncarnation
    /// The runtime stopped answering sensibly (a hang): kill it and start it again.
    func restart(reason: String) async
    /// Why the runtime last exited or failed, with its last lines; nil when it has not.
    func lastFailure() async -> String?
    /// The current snapshot at once, then every change.
    func snapshots() -> AsyncStream<SupervisorSnapshot>
}
