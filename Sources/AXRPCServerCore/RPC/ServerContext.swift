import Logging
import RPCProtocol

/// What a handler knows about the call it serves, besides its request.
package struct ServerContext: Sendable {
    /// `/package.Service/Method`.
    package var path: String
    /// The request's custom metadata (reserved and pseudo headers removed).
    package var metadata: Metadata
    /// When the client stops waiting (from `grpc-timeout`); the transport also ends the call then.
    package var deadline: ContinuousClock.Instant?
    /// The peer's address, for logs.
    package var peer: String
    package var logger: Logger
}
