import NIOCore
import RPCProtocol

/// Where the response of one call goes. Called on the connection's event loop, in order:
/// any number of `message`s, then exactly one `finish`.
struct ResponseHandler: Sendable {
    /// One whole response message body. Throwing (it does not decode) ends the call with that
    /// error and resets the stream.
    let message: @Sendable (ByteBuffer) throws -> Void
    /// The call is over: nil = OK.
    let finish: @Sendable (RPCError?) -> Void
}

/// One call on an HTTP/2 stream of the client session: the request body nghttp2 has yet to
/// read, the response header blocks, the reassembly of messages. Confined to the event loop.
final class ClientStream {
    /// Response headers are not bounded by nghttp2 1.52 (it does not enforce
    /// MAX_HEADER_LIST_SIZE), so a hostile server could grow them without end.
    static let maxHeaderListSize = 64 * 1024

    let id: Int32
    var requestBody: ByteBuffer
    private let handler: ResponseHandler
    var deframer: MessageDeframer
    var deadlineTimer: Scheduled<Void>?

    /// Fields of the header block being received.
    var currentBlock: [(name: String, value: String)] = []
    var headerListSize = 0
    /// The final (non-1xx) response headers, once complete.
    var head: [(name: String, value: String)]?
    var trailers: [(name: String, value: String)]?
    /// An error found while nghttp2 was still inside a callback (e.g. headers too large); it wins
    /// over the reset code nghttp2 reports when it closes the stream.
    var pendingError: RPCError?
    private(set) var isFinished = false

    init(id: Int32, requestBody: ByteBuffer, handler: ResponseHandler, maxMessageSize: Int) {
        self.id = id
        self.requestBody = requestBody
        self.handler = handler
        self.deframer = MessageDeframer(maxMessageSize: maxMessageSize)
    }

    /// Hands a message to the caller; a handler error (undecodable message) becomes the call's.
    func deliver(_ message: ByteBuffer) -> RPCError? {
        guard !isFinished else { return nil }
        do {
            try handler.message(message)
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            return RPCError(.internalError, "could not read the response: \(error)")
        }
    }

    /// Ends the call once; later outcomes (a reset after trailers, a timer) are ignored.
    func finish(_ error: RPCError?) {
        guard !isFinished else { return }
        isFinished = true
        deadlineTimer?.cancel()
        deadlineTimer = nil
        handler.finish(error)
    }
}
