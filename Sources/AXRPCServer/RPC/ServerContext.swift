import Logging
import RPCProtocol

/// What a handler knows about the call it serves, besides its request.
struct ServerContext: Sendable {
    /// `/package.Service/Method`.
    var path: String
    /// The request's custom metadata (reserved and pseudo headers removed).
    var metadata: Metadata
    /// When the client stops waiting (from `grpc-timeout`); the transport also ends the call then.
    var deadline: ContinuousClock.Instant?
    /// The peer's address, for logs.
    var peer: String
    var logger: Logger
}
