import Dispatch
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT/SIGTERM into an awaitable event, so shutdown runs as ordinary async code.
/// Installed before the server announces itself, so a signal that arrives right after the
/// "listening" line is a graceful shutdown rather than the default sudden death.
/// `@unchecked`: `sources` is written once in `init` and only cancelled in `deinit`.
final class SignalWaiter: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let state = NIOLockedValueBox<State>(State())

    private struct State {
        var received: String?
        var waiter: CheckedContinuation<String, Never>?
    }

    init() {
        let queue = DispatchQueue(label: "axrpc.signals")
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            sources.append(source)
            source.setEventHandler { [state] in
                let waiter = state.withLockedValue { state -> CheckedContinuation<String, Never>? in
                    guard state.received == nil else { return nil }
                    state.received = name
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume(returning: name)
            }
            source.resume()
        }
        self.sources = sources
    }

    /// Returns the name of the first termination signal (at once if one already came).
    func wait() async -> String {
        await withCheckedContinuation { continuation in
            let received = state.withLockedValue { state -> String? in
                if state.received == nil { state.waiter = continuation }
                return state.received
            }
            if let received { continuation.resume(returning: received) }
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
