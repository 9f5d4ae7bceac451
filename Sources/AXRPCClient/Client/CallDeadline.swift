import NIOCore
import RPCProtocol

/// When a call must be over. Fixed when the call is made, so that time spent connecting and
/// waiting for a stream counts against the caller's timeout as gRPC deadlines do.
struct CallDeadline: Sendable {
    let timeout: Duration
    let instant: NIODeadline

    init(timeout: Duration, now: NIODeadline = .now()) {
        self.timeout = timeout
        self.instant = now + .nanoseconds(Self.nanoseconds(timeout))
    }

    /// What is left, for `grpc-timeout`; a deadline already past becomes 0 so that the server
    /// fails the call at once instead of running it unbounded.
    func grpcTimeout(now: NIODeadline = .now()) -> GRPCTimeout {
        GRPCTimeout(nanoseconds: (instant - now).nanoseconds)
    }

    func hasPassed(now: NIODeadline = .now()) -> Bool { instant <= now }

    /// The status of a call the client gave up on locally.
    var exceededError: RPCError {
        RPCError(.deadlineExceeded, "deadline exceeded after \(timeout)")
    }

    /// Whole nanoseconds, rounded up (the server must never see a shorter deadline than ours),
    /// clamped to 0...Int64.max.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        let fraction = (attoseconds + 999_999_999) / 1_000_000_000
        let (total, sumOverflow) = whole.addingReportingOverflow(fraction)
        return sumOverflow ? .max : total
    }
}
