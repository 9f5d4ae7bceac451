import NIOCore
import RPCProtocol

/// The transport's `ResponseSink`: every call runs on the connection's event loop, so handlers
/// run anywhere and never touch nghttp2 themselves. Handlers started by the transport run on
/// that loop already (see `CallTracker.run(on:)`) and get there without a hop.
struct StreamResponseSink: ResponseSink {
    let streamID: Int32
    let connection: NIOLoopBound<HTTP2ServerConnection>

    func write(_ framed: ByteBuffer) async throws {
        let connection = self.connection
        let streamID = self.streamID
        if connection.eventLoop.inEventLoop {
            try await connection.value.enqueue(message: framed, on: streamID).get()
            return
        }
        try await connection.eventLoop.flatSubmit {
            connection.value.enqueue(message: framed, on: streamID)
        }.get()
    }

    func finish(finalMessage: ByteBuffer?, error: RPCError?) {
        let connection = self.connection
        let streamID = self.streamID
        if connection.eventLoop.inEventLoop {
            connection.value.finish(streamID: streamID, finalMessage: finalMessage, error: error)
            return
        }
        connection.eventLoop.execute {
            connection.value.finish(streamID: streamID, finalMessage: finalMessage, error: error)
        }
    }
}
