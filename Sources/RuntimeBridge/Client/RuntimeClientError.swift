/// Why a call to the runtime's HTTP API failed. The engine turns these into `BridgeError`s:
/// the connection cases into UNAVAILABLE naming the cause, `busy` into a retry.
public enum RuntimeClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing listens at the address: the runtime is not (or no longer) running.
    case connectionRefused(endpoint: String, detail: String)
    /// The connection closed or broke before the answer arrived.
    case connectionClosed(endpoint: String, detail: String)
    /// No answer within the time limit although the connection stayed up: the runtime hangs.
    case timedOut(endpoint: String, path: String, milliseconds: Int)
    /// `400 {"error":"llm is running"}`: a generation (or an asynchronous reset) is still running.
    case busy
    /// Any other error status, with the body the runtime sent.
    case protocolError(path: String, status: Int, body: String)
    /// A 200 whose body is not the JSON the protocol promises.
    case malformedResponse(path: String, detail: String)

    /// The runtime is gone or unreachable (as opposed to answering something unexpected).
    public var isConnectionFailure: Bool {
        switch self {
        case .connectionRefused, .connectionClosed: return true
        case .timedOut, .busy, .protocolError, .malformedResponse: return false
        }
    }

    public var description: String {
        switch self {
        case let .connectionRefused(endpoint, detail):
            return "connection to the runtime at \(endpoint) refused (\(detail))"
        case let .connectionClosed(endpoint, detail):
            return "the runtime at \(endpoint) closed the connection (\(detail))"
        case let .timedOut(endpoint, path, ms):
            return "the runtime at \(endpoint) did not answer \(path) within \(ms) ms"
        case .busy:
            return "the runtime is busy (llm is running)"
        case let .protocolError(path, status, body):
            return "the runtime answered \(path) with HTTP \(status): \(body)"
        case let .malformedResponse(path, detail):
            return "the runtime's answer to \(path) is not valid: \(detail)"
        }
    }
}
