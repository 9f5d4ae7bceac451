import Logging

/// Runs the vendor runtime (and its tokenizer service) and keeps it running: launches it,
/// decides it is ready when its port accepts TCP connections, drains and logs its output,
/// restarts it with backoff when it dies, gives up after too many failures, and stops it (and
/// everything it started) on `stop()`. With an `.attach` plan it only watches a runtime started
/// by someone else. Create it, call `start()`, and `stop()` before the server exits.
///
/// All state changes happen in one event loop (`run()`): the public methods only post events,
/// so no state is changed half-way across an `await`.
public actor RuntimeSupervisor: RuntimeHost {
    public nonisolated let plan: RuntimePlan
    public nonisolated let options: SupervisorOptions
    let logger: Logger

    // What observers see.
    var snapshot = SupervisorSnapshot(phase: .starting)
    var lastPublished: SupervisorSnapshot?
    var incarnation: RuntimeIncarnation?
    var nextIncarnationID = 1
    var failureDescription: String?
    var metrics = RuntimeMetrics()

    // The event loop.
    let events: AsyncStream<Event>
    let eventSink: AsyncStream<Event>.Continuation
    var loopTask: Task<Void, Never>?
    var state: LoopState = .idle

    // Launch mode.
    var generation = 0
    var generationStartedAt = ContinuousClock.now
    var children: [String: Child] = [:]
    var history: FailureHistory
    var generationTasks: [Task<Void, Never>] = []
    var everReady = false

    // Observers and callers waiting.
    var nextToken = 0
    var subscribers: [Int: AsyncStream<SupervisorSnapshot>.Continuation] = [:]
    var readyWaiters: [Int: ReadyWaiter] = [:]
    var stopWaiters: [CheckedContinuation<Void, Never>] = []

    public init(plan: RuntimePlan, options: SupervisorOptions = SupervisorOptions(), logger: Logger) {
        self.plan = plan
        self.options = options
        self.logger = logger
        self.history = FailureHistory(options: options)
        (events, eventSink) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
    }

    /// Starts launching (or probing) the runtime; returns at once. Calling it again does nothing;
    /// a stopped supervisor stays stopped.
    public func start() {
        guard loopTask == nil, state == .idle else { return }
        loopTask = Task { await self.run() }
        eventSink.yield(.start)
    }

    /// Stops the runtime and the tokenizer (SIGTERM, SIGKILL after `terminationGrace`) and returns
    /// once both have exited and been reaped. Idempotent.
    public func stop() async {
        if state == .idle {
            // Never started: nothing runs, nothing to wait for.
            enterStopped()
            return
        }
        if state != .stopped {
            eventSink.yield(.stopRequested)
            await withCheckedContinuation { stopWaiters.append($0) }
        }
        await loopTask?.value
    }

    // MARK: RuntimeHost

    public func waitUntilReady(deadline: ContinuousClock.Instant?) async throws -> RuntimeIncarnation {
        try await awaitReady(deadline: deadline)
    }

    /// Launch mode: kill both programs and start them again at once (counted in `restarts`, not
    /// as a failure; from `.failed` it also clears the failure history). Attach mode: nothing
    /// can be restarted; the runtime is treated as a new incarnation once it accepts again.
    public func restart(reason: String) async {
        eventSink.yield(.restartRequested(reason))
    }

    public func lastFailure() async -> String? {
        failureDescription
    }

    public nonisolated func snapshots() -> AsyncStream<SupervisorSnapshot> {
        let (stream, continuation) = AsyncStream.makeStream(of: SupervisorSnapshot.self, bufferingPolicy: .unbounded)
        Task { await self.subscribe(continuation) }
        return stream
    }

    // MARK: Diagnostics

    public var currentSnapshot: SupervisorSnapshot { snapshot }

    /// The running incarnation, nil unless ready.
    public var currentIncarnation: RuntimeIncarnation? { snapshot.phase == .ready ? incarnation : nil }

    /// The latest `ttft` and tokens/s the runtime printed.
    public func latestMetrics() -> RuntimeMetrics { metrics }

    /// The last lines (up to `retainedLines`) of the current or last launch of `role`
    /// ("runtime" or "tokenizer").
    public func recentOutput(role: String = "runtime") -> [String] { children[role]?.tail.lines ?? [] }

    /// The pid of the current or last launch of `role`; nil before it started.
    public func processID(role: String = "runtime") -> Int32? { children[role]?.pid }
}

extension RuntimeSupervisor {
    /// Where the event loop is.
    enum LoopState: Equatable {
        case idle
        /// Launch mode: waiting for `role` (tokenizer first, then runtime) to accept connections.
        case launching(role: String)
        case running
        /// Waiting for this generation's programs to end, then doing `then`.
        case terminating(then: AfterTermination)
        case backingOff
        case failed
        /// Attach mode: probing.
        case watching
        case stopped
    }

    enum AfterTermination: Equatable {
        case stop
        /// A requested restart: relaunch at once.
        case relaunch(reason: String)
        /// A failure: count it, back off, relaunch (or give up).
        case recover(failure: String)
    }

    /// One launched program of the current generation.
    struct Child {
        let spec: ProcessSpec
        let endpoint: RuntimeEndpoint
        let process: ManagedProcess
        let launchedAt: ContinuousClock.Instant
        var pid: Int32?
        var ended: ProcessEnd?
        /// Its port has accepted a connection.
        var accepting = false
        var tail: OutputTail
    }

    struct ReadyWaiter {
        let continuation: CheckedContinuation<RuntimeIncarnation, any Error>
        let deadlineTask: Task<Void, Never>?
    }
}
