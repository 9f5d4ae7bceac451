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
    /// What has come in, and what the next DATA, message or half-close means (see
    /// `RequestStateMachine`).
    var request = RequestStateMachine()
    var deframer: MessageDeframer
    var route: RPCRoute?
    /// A streaming handler's messages; set while it runs.
    var inbound: AsyncThrowingStream<ByteBuffer, any Error>.Continuation?
    /// DATA bytes of a streaming call not yet given back to flow control: they are given back as
    /// the handler takes its messages, so the client can never get further ahead than the
    /// stream's window (1 MiB).
    var unconsumedBytes = 0

    // The call.
    var task: Task<Void, Never>?
    var deadline: ContinuousClock.Instant?
    var deadlineTimer: Scheduled<Void>?

    // Response.
    /// What has gone out, and what comes next (see `ResponseStateMachine`).
    var response = ResponseStateMachine()
    /// Framed messages waiting for nghttp2's data provider.
    var pending: ByteBuffer
    var writeWaiter: EventLoopPromise<Void>?

    /// The status is decided; later writes are refused.
    var isFinished: Bool { response.isFinished }

    init(id: Int32, maxMessageSize: Int, allocator: ByteBufferAllocator) {
        self.id = id
        self.deframer = MessageDeframer(maxMessageSize: maxMessageSize)
        self.pending = allocator.buffer(capacity: 0)
    }

    /// Appends a framed message to `pending`; the first one is taken as it is (no copy into
    /// the empty buffer: a unary response is then never copied before nghttp2 reads it).
    func queue(_ message: ByteBuffer) {
        if pending.readableBytes == 0 {
            pending = message
        } else {
            var message = message
            pending.writeBuffer(&message)
        }
    }

    /// Stops the handler and anything waiting on the stream; used when the call ends early.
    func abandon() {
        task?.cancel()
        if request.close() == .finishInbound { inbound?.finish(throwing: CancellationError()) }
        inbound = nil
        deadlineTimer?.cancel()
        deadlineTimer = nil
        writeWaiter?.fail(CancellationError())
        writeWaiter = nil
    }
}
