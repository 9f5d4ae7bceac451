import NIOCore
import RPCProtocol

/// A handler's way back to its stream: every call hops to the connection's event loop, so
/// handlers run anywhere and never touch nghttp2 themselves.
struct ResponseSink: Sendable {
    let streamID: Int32
    let connection: NIOLoopBound<HTTP2ServerConnection>

    /// Queues one framed message; completes when the stream's send buffer has room again.
    func write(_ framed: ByteBuffer) async throws {
        let connection = self.connection
        let streamID = self.streamID
        try await connection.eventLoop.flatSubmit {
            connection.value.enqueue(message: framed, on: streamID)
        }.get()
    }

    /// Ends the call: an optional last message, then the status (nil = OK) in trailers.
    func finish(finalMessage: ByteBuffer?, error: RPCError?) {
        let connection = self.connection
        let streamID = self.streamID
        connection.eventLoop.execute {
            connection.value.finish(streamID: streamID, finalMessage: finalMessage, error: error)
        }
    }
}
