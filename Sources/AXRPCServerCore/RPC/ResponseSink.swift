import NIOCore
import RPCProtocol

/// A handler's way back to its call: the transport implements it (`StreamResponseSink` hops to
/// the connection's event loop), tests implement it in memory, so that services never see
/// HTTP/2 or nghttp2.
package protocol ResponseSink: Sendable {
    /// Queues one framed message; returns when the call's send buffer has room again, throws
    /// `CancellationError` once the call has ended.
    func write(_ framed: ByteBuffer) async throws

    /// Ends the call: an optional last message, then the status (nil = OK).
    func finish(finalMessage: ByteBuffer?, error: RPCError?)
}
