import RPCProtocol

/// The proto enum value names without their prefix (`SERVING`, `READY`, `STOP`), as both the
/// text and the JSON output show them; unknown values show as their number.
enum Names {
    static func of(_ status: ServingStatus) -> String {
        switch status {
        case .unspecified: "UNSPECIFIED"
        case .serving: "SERVING"
        case .notServing: "NOT_SERVING"
        case .unrecognized(let value): "\(value)"
        }
    }

    static func of(_ state: RuntimeState) -> String {
        switch state {
        case .unspecified: "UNSPECIFIED"
        case .starting: "STARTING"
        case .ready: "READY"
        case .busy: "BUSY"
        case .restarting: "RESTARTING"
        case .failed: "FAILED"
        case .stopped: "STOPPED"
        case .unrecognized(let value): "\(value)"
        }
    }

    static func of(_ reason: FinishReason) -> String {
        switch reason {
        case .unspecified: "UNSPECIFIED"
        case .stop: "STOP"
        case .length: "LENGTH"
        case .stopSequence: "STOP_SEQUENCE"
        case .toolCalls: "TOOL_CALLS"
        case .unrecognized(let value): "\(value)"
        }
    }

    /// `value` with one decimal, for milliseconds and rates (no Foundation formatter needed).
    static func fixed(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "\(value)" }
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}
