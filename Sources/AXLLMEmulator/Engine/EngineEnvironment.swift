import NIOCore

/// A cancellable timer handed out by an `EngineClock`.
protocol EngineTimer {
    func cancel()
}

/// Time source and timer queue of the engine. Production uses the NIO event loop (`EventLoopClock`);
/// tests drive a virtual clock. Not thread-safe: the engine and its clock live on one thread.
protocol EngineClock: AnyObject {
    /// Monotonic time in nanoseconds.
    var nowNanoseconds: UInt64 { get }
    /// Runs `task` once, `delay` nanoseconds from now.
    func schedule(afterNanoseconds delay: UInt64, _ task: @escaping () -> Void) -> EngineTimer
}

/// Where the engine writes what the real runtime prints: text echo and per-turn lines on stdout,
/// fatal errors on stderr.
protocol EngineConsole: Sendable {
    /// A complete line (a newline is appended).
    func line(_ text: String)
    /// Generated text echoed as it is queued (no newline, flushed at once).
    func text(_ text: String)
    /// A line on stderr.
    func errorLine(_ text: String)
}

/// Process-level effects of injected faults, replaceable in tests (which must not exit).
struct EngineHooks: Sendable {
    /// Called when `--crash-after-tokens` is reached, with the total number of generated tokens.
    var crash: @Sendable (_ totalTokens: Int) -> Void
}

/// `EngineClock` on a SwiftNIO event loop; must only be used on that loop.
final class EventLoopClock: EngineClock {
    private let eventLoop: EventLoop

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    var nowNanoseconds: UInt64 { NIODeadline.now().uptimeNanoseconds }

    func schedule(afterNanoseconds delay: UInt64, _ task: @escaping () -> Void) -> EngineTimer {
        let amount = TimeAmount.nanoseconds(Int64(clamping: delay))
        return ScheduledTimer(scheduled: eventLoop.assumeIsolated().scheduleTask(in: amount, task))
    }

    private struct ScheduledTimer: EngineTimer {
        let scheduled: Scheduled<Void>
        func cancel() { scheduled.cancel() }
    }
}
