import NIOCore
import RPCProtocol

/// The state of one gRPC call on an HTTP/2 stream: what the client sent, the handler running it,
/// and the response bytes waiting for nghttp2's data provider. Lives on the connection's loop.
final class ServerStream {
    let id: Int32

    // Request headers.
    var method = ""
    var path = ""
    var contentType: String?
    var timeoutHeader: String?
    var encoding: String?
    var metadata = Metadata()
    var headerListSize = 0

    // Request body.
    var deframer: MessageDeframer
    var route: RPCRoute?
    var singleMessage: ByteBuffer?
    var messageCount = 0
    var inbound: AsyncThrowingStream<ByteBuffer, any Error>.Continuation?
    var clientHalfClosed = false

    // The call.
    var task: Task<Void, Never>?
    var deadline: ContinuousClock.Instant?
    var deadlineTimer: Scheduled<Void>?

    // Response.
    /// HEADERS were submitted with a data provider (so the status goes in trailers).
    var responseStarted = false
    var pending: ByteBuffer
    /// The status trailers, submitted once `pending` has drained.
    var trailers: HeaderBlock?
    /// The data provider returned NGHTTP2_ERR_DEFERRED and needs `resume_data`.
    var isDeferred = false
    /// The status is decided; later writes are refused.
    var isFinished = false
    var writeWaiter: EventLoopPromise<Void>?

    init(id: Int32, maxMessageSize: Int, allocator: ByteBufferAllocator) {
        self.id = id
        self.deframer = MessageDeframer(maxMessageSize: maxMessageSize)
        self.pending = allocator.buffer(capacity: 0)
    }

    /// Stops the handler and anything waiting on the stream; used when the call ends early.
    func abandon() {
        task?.cancel()
        inbound?.finish(throwing: CancellationError())
        inbound = nil
        deadlineTimer?.cancel()
        deadlineTimer = nil
        writeWaiter?.fail(CancellationError())
        writeWaiter = nil
    }
}
