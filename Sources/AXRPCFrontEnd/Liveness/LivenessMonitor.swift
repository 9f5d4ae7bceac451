import NIOConcurrencyHelpers
import RuntimeBridge

/// Decides whether this process is still worth keeping: alive unless the runtime has been
/// FAILED (the supervisor gave up restarting it) for longer than the grace. A starting or
/// restarting runtime keeps the server alive, because the server heals those itself; only a
/// runtime the supervisor gave up on needs someone outside (systemd, Kubernetes) to restart the
/// whole process. The grace leaves a person time to read the failure before the restart.
///
/// `/healthz`, the `grpc.health.v1` service `axrpc.liveness` and `--exit-on-runtime-failure` all
/// read this one object, so they agree.
package final class LivenessMonitor: Sendable {
    /// The service name `grpc.health.v1.Health/Check` answers with the liveness verdict.
    package static let serviceName = "axrpc.liveness"

    package let grace: Duration
    private let state = NIOLockedValueBox(State())
    private let watcher = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// The current FAILED spell, if any, and who waits for the verdict.
    private struct State {
        /// When the runtime became FAILED; nil while it is anything else.
        var failedSince: ContinuousClock.Instant?
        var lastError = ""
        /// Bumped on every change into or out of FAILED, so a stale timer knows it is stale.
        var epoch = 0
        var dead = false
        var deathWaiters: [Int: CheckedContinuation<String?, Never>] = [:]
        var nextWaiter = 0
    }

    package init(grace: Duration) {
        self.grace = grace
    }

    /// Follows the engine's status until `stop()`.
    package func watch(_ engine: any InferenceEngine) {
        let updates = engine.statusUpdates()
        let task = Task { [weak self] in
            for await status in updates {
                guard let self else { return }
                self.record(status)
            }
        }
        watcher.withLockedValue { $0 = task }
    }

    package func stop() {
        watcher.withLockedValue { $0?.cancel() }
    }

    /// Feeds one status (the watcher does this; tests call it directly).
    package func record(_ status: RuntimeStatus) {
        let timer = state.withLockedValue { state -> (epoch: Int, since: ContinuousClock.Instant)? in
            state.lastError = status.lastError
            if status.phase == .failed {
                guard state.failedSince == nil else { return nil }
                let now = ContinuousClock.now
                state.failedSince = now
                state.epoch += 1
                return (state.epoch, now)
            }
            if state.failedSince != nil {
                state.failedSince = nil
                state.epoch += 1
            }
            return nil
        }
        guard let timer else { return }
        let deadline = timer.since.advanced(by: grace)
        Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            self?.expire(epoch: timer.epoch)
        }
    }

    /// The grace ran out: if the runtime is still in the same FAILED spell, the server is dead.
    private func expire(epoch: Int) {
        let (waiters, reason) = state.withLockedValue { state -> ([CheckedContinuation<String?, Never>], String) in
            guard state.epoch == epoch, state.failedSince != nil, !state.dead else { return ([], "") }
            state.dead = true
            defer { state.deathWaiters = [:] }
            return (Array(state.deathWaiters.values), state.lastError)
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// False once the runtime has been FAILED for the whole grace.
    package var isAlive: Bool {
        state.withLockedValue { state in
            guard let since = state.failedSince else { return true }
            return ContinuousClock.now < since.advanced(by: grace)
        }
    }

    /// Why the server is not alive ("" while it is): the runtime's last error.
    package var reason: String {
        state.withLockedValue { state in state.failedSince == nil ? "" : state.lastError }
    }

    /// Returns (with the runtime's last error) once the server is dead; never while it is alive.
    /// A runtime that recovers from FAILED inside the grace (e.g. an attached runtime that comes
    /// back) does not count. nil when the waiting task is cancelled first (the server is
    /// shutting down for another reason).
    package func waitUntilDead() async -> String? {
        let key = state.withLockedValue { state -> Int in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let immediate = state.withLockedValue { state -> String?? in
                    if state.dead { return .some(state.lastError) }
                    if Task.isCancelled { return .some(nil) }
                    state.deathWaiters[key] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.deathWaiters.removeValue(forKey: key) }
            waiter?.resume(returning: nil)
        }
    }
}
