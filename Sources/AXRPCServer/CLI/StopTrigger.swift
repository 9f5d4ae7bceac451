import AXRPCFrontEnd
import NIOConcurrencyHelpers

/// Why the server shuts down: a termination signal, or (with `--exit-on-runtime-failure`) a
/// runtime that stayed FAILED through the liveness grace.
enum StopTrigger: Sendable, Equatable {
    case signal(String)
    case runtimeFailed(String)

    /// Whichever comes first. `liveness` is nil when the server should outlive a failed runtime.
    /// Unstructured tasks rather than a task group: neither wait reacts to cancellation, and a
    /// group would wait for the loser forever. The loser is left waiting; the process exits next.
    static func first(signals: SignalWaiter, liveness: LivenessMonitor?) async -> StopTrigger {
        await withCheckedContinuation { continuation in
            let pending = NIOLockedValueBox<CheckedContinuation<StopTrigger, Never>?>(continuation)
            let finish: @Sendable (StopTrigger) -> Void = { trigger in
                pending.withLockedValue { waiter in
                    waiter?.resume(returning: trigger)
                    waiter = nil
                }
            }
            Task { finish(.signal(await signals.wait())) }
            if let liveness {
                Task { finish(.runtimeFailed(await liveness.waitUntilDead())) }
            }
        }
    }
}
