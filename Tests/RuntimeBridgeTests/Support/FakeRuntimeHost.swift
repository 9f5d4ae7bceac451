import Foundation
@testable import RuntimeBridge

/// A `RuntimeHost` the test drives: it decides when the runtime is ready, what its last failure
/// was, and what a restart does.
final class FakeRuntimeHost: RuntimeHost, @unchecked Sendable {
    private let lock = NSLock()
    private var incarnation: RuntimeIncarnation?
    private var incarnations = 0
    private var failure: String?
    private var restartReasons: [String] = []
    private var readyWaiters: [UUID: CheckedContinuation<RuntimeIncarnation, any Error>] = [:]
    private var restartWaiters: [CheckedContinuation<Void, Never>] = []
    private var snapshotWatchers: [UUID: AsyncStream<SupervisorSnapshot>.Continuation] = [:]
    private var snapshot = SupervisorSnapshot(phase: .starting)
    private var onRestart: (@Sendable (String) async -> Void)?

    init(port: Int? = nil) {
        if let port { setReady(port: port) }
    }

    var reasons: [String] { locked { restartReasons } }

    func setReady(port: Int) {
        let waiting = locked { () -> ([CheckedContinuation<RuntimeIncarnation, any Error>], RuntimeIncarnation) in
            incarnations += 1
            let next = RuntimeIncarnation(id: incarnations, host: "127.0.0.1", port: port)
            incarnation = next
            let waiting = Array(readyWaiters.values)
            readyWaiters = [:]
            return (waiting, next)
        }
        for continuation in waiting.0 { continuation.resume(returning: waiting.1) }
        publish(SupervisorSnapshot(phase: .ready, restarts: max(0, waiting.1.id - 1), lastError: failure ?? ""))
    }

    /// The runtime died: not ready until `setReady`, with `failure` as the reason.
    func setDown(failure: String) {
        locked {
            incarnation = nil
            self.failure = failure
        }
        publish(SupervisorSnapshot(phase: .restarting, restarts: snapshot.restarts, lastError: failure))
    }

    func setOnRestart(_ action: @escaping @Sendable (String) async -> Void) { locked { onRestart = action } }

    /// Resumes once `restart` has been called `count` times in total.
    func waitForRestarts(_ count: Int) async {
        while locked({ restartReasons.count }) < count {
            await withCheckedContinuation { continuation in
                let already = locked { () -> Bool in
                    if restartReasons.count >= count { return true }
                    restartWaiters.append(continuation)
                    return false
                }
                if already { continuation.resume() }
            }
        }
    }

    // MARK: RuntimeHost

    func waitUntilReady(deadline: ContinuousClock.Instant?) async throws -> RuntimeIncarnation {
        let id = UUID()
        return try await withCheckedThrowingContinuation { continuation in
            let ready = locked { () -> RuntimeIncarnation? in
                if let incarnation { return incarnation }
                readyWaiters[id] = continuation
                return nil
            }
            if let ready {
                continuation.resume(returning: ready)
                return
            }
            if let deadline {
                Task {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    let waiter = self.locked { self.readyWaiters.removeValue(forKey: id) }
                    waiter?.resume(throwing: BridgeError.deadlineExceeded("the deadline passed while the runtime was starting"))
                }
            }
        }
    }

    func restart(reason: String) async {
        let (waiters, action) = locked { () -> ([CheckedContinuation<Void, Never>], (@Sendable (String) async -> Void)?) in
            restartReasons.append(reason)
            let waiters = restartWaiters
            restartWaiters = []
            return (waiters, onRestart)
        }
        await action?(reason)
        for waiter in waiters { waiter.resume() }
    }

    func lastFailure() async -> String? { locked { failure } }

    func snapshots() -> AsyncStream<SupervisorSnapshot> {
        let (stream, continuation) = AsyncStream.makeStream(of: SupervisorSnapshot.self)
        let id = UUID()
        locked {
            snapshotWatchers[id] = continuation
            continuation.yield(snapshot)
        }
        continuation.onTermination = { [weak self] _ in self?.locked { _ = self?.snapshotWatchers.removeValue(forKey: id) } }
        return stream
    }

    private func publish(_ next: SupervisorSnapshot) {
        locked {
            snapshot = next
            for watcher in snapshotWatchers.values { watcher.yield(next) }
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
