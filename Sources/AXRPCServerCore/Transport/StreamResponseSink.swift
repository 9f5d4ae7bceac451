import NIOCore
import RPCProtocol

/// The transport's `ResponseSink`: every call hops to the connection's event loop, so handlers
/// run anywhere and never touch nghttp2 themselves.
struct StreamResponseSink: ResponseSink {
    let streamID: Int32
    let connection: NIOLoopBound<HTTP2ServerConnection>

    func write(_ framed: ByteBuffer) async throws {
        let connection = self.connection
        let streamID = self.streamID
        try await connection.eventLoop.flatSubmit {
            connection.value.enqueue(message: framed, on: streamID)
        }.get()
    }

    func finish(finalMessage: ByteBuffer?, error: RPCError?) {
        let connection = self.connection
        let streamID = self.streamID
        connection.eventLoop.execute {
            connection.value.finish(streamID: streamID, finalMessage: finalMessage, error: error)
        }
    }
}
