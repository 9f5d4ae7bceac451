/// Merges the supervisor's snapshots with the scheduler's state and the engine's own errors
/// into one `RuntimeStatus`, and fans every change out to watchers.
actor StatusBoard {
    private let model: String
    private let capacity: Int
    private let emulated: Bool
    private var host = SupervisorSnapshot(phase: .starting)
    private var scheduler = GenerationScheduler.Snapshot(running: false, queueDepth: 0)
    private var schedulerSequence: UInt64 = 0
    /// The most recent of the supervisor's and the engine's errors wins.
    private var lastError = ""
    private var watchers: [UInt64: AsyncStream<RuntimeStatus>.Continuation] = [:]
    private var published: RuntimeStatus?
    /// Watchers that left before their registration arrived (both travel in separate tasks).
    private var departed: Set<UInt64> = []

    init(model: String, capacity: Int, emulated: Bool) {
        self.model = model
        self.capacity = capacity
        self.emulated = emulated
    }

    var current: RuntimeStatus {
        let phase: RuntimePhase = host.phase == .ready && scheduler.running ? .busy : host.phase
        return RuntimeStatus(phase: phase, model: model, queueDepth: scheduler.queueDepth, queueCapacity: capacity,
                             restarts: host.restarts, lastError: lastError, emulated: emulated)
    }

    func update(host snapshot: SupervisorSnapshot) {
        if snapshot.lastError != host.lastError, !snapshot.lastError.isEmpty { lastError = snapshot.lastError }
        host = snapshot
        publish()
    }

    /// `sequence` orders updates that travel in separate tasks; older ones are dropped.
    func update(scheduler snapshot: GenerationScheduler.Snapshot, sequence: UInt64) {
        guard sequence > schedulerSequence else { return }
        schedulerSequence = sequence
        scheduler = snapshot
        publish()
    }

    func record(error: String) {
        lastError = error
        publish()
    }

    func watch(id: UInt64, _ continuation: AsyncStream<RuntimeStatus>.Continuation) {
        if departed.remove(id) != nil { return }
        watchers[id] = continuation
        continuation.yield(current)
    }

    func unwatch(id: UInt64) {
        if watchers.removeValue(forKey: id) == nil { departed.insert(id) }
    }

    private func publish() {
        let status = current
        guard status != published else { return }
        published = status
        for watcher in watchers.values { watcher.yield(status) }
    }
}
