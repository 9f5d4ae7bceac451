import NIOConcurrencyHelpers

/// Merges the supervisor's snapshots with the scheduler's state and the engine's own errors
/// into one `RuntimeStatus`, and fans every change out to watchers.
///
/// Synchronous under a lock, so updates apply in the order their sources make them (the
/// scheduler's changes are already ordered by its actor) and watchers hear them in that order;
/// nothing hops through a task that could reorder them.
final class StatusBoard: Sendable {
    private struct State {
        var host = SupervisorSnapshot(phase: .starting)
        var scheduler = GenerationScheduler.Snapshot(running: false, queueDepth: 0)
        /// The most recent of the supervisor's and the engine's errors wins.
        var lastError = ""
        var watchers: [UInt64: AsyncStream<RuntimeStatus>.Continuation] = [:]
        var nextWatcher: UInt64 = 0
        var published: RuntimeStatus?
    }

    private let model: String
    private let capacity: Int
    private let emulated: Bool
    private let state = NIOLockedValueBox(State())

    init(model: String, capacity: Int, emulated: Bool) {
        self.model = model
        self.capacity = capacity
        self.emulated = emulated
    }

    var current: RuntimeStatus {
        state.withLockedValue { status(of: $0) }
    }

    func update(host snapshot: SupervisorSnapshot) {
        state.withLockedValue { state in
            if snapshot.lastError != state.host.lastError, !snapshot.lastError.isEmpty {
                state.lastError = snapshot.lastError
            }
            state.host = snapshot
            publish(&state)
        }
    }

    func update(scheduler snapshot: GenerationScheduler.Snapshot) {
        state.withLockedValue { state in
            state.scheduler = snapshot
            publish(&state)
        }
    }

    func record(error: String) {
        state.withLockedValue { state in
            state.lastError = error
            publish(&state)
        }
    }

    /// A stream of the status: the current one at once, then every change. Leaving it (the
    /// consumer's task ends or is cancelled) unregisters it.
    func updates() -> AsyncStream<RuntimeStatus> {
        let (stream, continuation) = AsyncStream.makeStream(of: RuntimeStatus.self)
        let id = state.withLockedValue { state in
            state.nextWatcher += 1
            return state.nextWatcher
        }
        // Set before registering: a consumer that leaves in between is caught by the yield below.
        continuation.onTermination = { [weak self] _ in
            self?.state.withLockedValue { _ = $0.watchers.removeValue(forKey: id) }
        }
        state.withLockedValue { state in
            // The first value is yielded under the lock, so no change can overtake it.
            guard case .enqueued = continuation.yield(status(of: state)) else { return }
            state.watchers[id] = continuation
        }
        return stream
    }

    private func status(of state: State) -> RuntimeStatus {
        let phase: RuntimePhase = state.host.phase == .ready && state.scheduler.running ? .busy : state.host.phase
        return RuntimeStatus(phase: phase, model: model, queueDepth: state.scheduler.queueDepth,
                             queueCapacity: capacity, restarts: state.host.restarts, lastError: state.lastError,
                             emulated: emulated)
    }

    private func publish(_ state: inout State) {
        let status = status(of: state)
        guard status != state.published else { return }
        state.published = status
        for (id, watcher) in state.watchers {
            // A consumer that left between its termination and its unregistration is dropped here.
            if case .terminated = watcher.yield(status) { state.watchers.removeValue(forKey: id) }
        }
    }
}
