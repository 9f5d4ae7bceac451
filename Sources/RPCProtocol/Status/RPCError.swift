/// The status an RPC ends with when it does not succeed; thrown by handlers and by the wire layer.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// Extra trailers sent with the status, e.g. `grpc-retry-pushback-ms`.
    public var trailers: Metadata

    public init(_ code: StatusCode, _ message: String, trailers: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.trailers = trailers
    }

    public var description: String {
        message.isEmpty ? code.name : "\(code.name): \(message)"
    }
}
