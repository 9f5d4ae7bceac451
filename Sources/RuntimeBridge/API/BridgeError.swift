/// Why the bridge could not serve a request. Front ends map each case to their own status
/// (gRPC code, HTTP status); `description` is written for the person who sent the request.
public enum BridgeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The queue is at capacity; come back after about `retryAfterMilliseconds`.
    case queueFull(capacity: Int, retryAfterMilliseconds: Int)
    /// The request's deadline passed (in the queue or while generating).
    case deadlineExceeded(String)
    /// The caller went away.
    case cancelled
    /// No runtime can serve now (starting, restarting, failed, died mid-stream).
    case unavailable(String)
    /// The conversation does not fit the model's context even after dropping old turns.
    case contextFull(String)
    /// The request itself is wrong (empty prompt, no messages, last message not from the user...).
    case invalidArgument(String)
    /// No model of that name is configured.
    case modelNotFound(String)

    public var description: String {
        switch self {
        case let .queueFull(capacity, retry):
            return "server busy: the queue is full (\(capacity) waiting); retry in about \(retry) ms"
        case let .deadlineExceeded(m), let .unavailable(m), let .contextFull(m), let .invalidArgument(m):
            return m
        case .cancelled:
            return "the request was cancelled"
        case let .modelNotFound(name):
            return "model \"\(name)\" not found; list the available ones with ListModels"
        }
    }
}
