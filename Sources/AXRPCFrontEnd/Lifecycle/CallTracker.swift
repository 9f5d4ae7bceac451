import NIOConcurrencyHelpers
import NIOCore
import RuntimeBridge

/// Counts the calls a server runs in tasks of their own, so that shutdown can wait until the
/// last one has ended (its response written or its cancellation seen through) before the
/// runtime and the event loops stop under it.
package final class CallTracker: Sendable {
    private struct State {
        var running = 0
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    /// Runs `body` in a new task that counts as running until it returns; with `loop`, the task
    /// prefers that loop's thread (a call's handler on its connection's loop writes without a hop).
    @discardableResult
    package func run(on loop: (any EventLoop)? = nil, _ body: @escaping @Sendable () async -> Void)
        -> Task<Void, Never> {
        state.withLockedValue { $0.running += 1 }
        let tracked: @Sendable () async -> Void = {
            await body()
            self.ended()
        }
        return loop?.startTask(tracked) ?? Task(operation: tracked)
    }

    package var runningCount: Int { state.withLockedValue { $0.running } }

    /// Returns once no tracked call runs (at once when none does).
    package func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLockedValue { state -> Bool in
                if state.running == 0 { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func ended() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.running == 0 else { return [] }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
