import NIOCore
import RPCProtocol

/// The state of one gRPC call on an HTTP/2 stream: what the client sent, the handler running it,
/// and the response bytes waiting for nghttp2's data provider. Lives on the connection's loop.
package final class ServerStream {
    package let id: Int32

    // Request headers.
    package var method = ""
    package var path = ""
    package var contentType: String?
    package var timeoutHeader: String?
    package var encoding: String?
    package var metadata = Metadata()
    package var headerListSize = 0

    // Request body.
    /// What has come in, and what the next DATA, message or half-close means (see
    /// `RequestStateMachine`).
    package var request = RequestStateMachine()
    package var deframer: MessageDeframer
    package var route: RPCRoute?
    /// A streaming handler's messages; set while it runs.
    package var inbound: AsyncThrowingStream<ByteBuffer, any Error>.Continuation?
    /// DATA bytes of a streaming call not yet given back to flow control: they are given back as
    /// the handler takes its messages, so the client can never get further ahead than the
    /// stream's window (1 MiB).
    package var unconsumedBytes = 0

    // The call.
    package var task: Task<Void, Never>?
    package var deadline: ContinuousClock.Instant?
    package var deadlineTimer: Scheduled<Void>?

    // Response.
    /// What has gone out, and what comes next (see `ResponseStateMachine`).
    package var response = ResponseStateMachine()
    /// Framed messages waiting for nghttp2's data provider.
    package var pending: ByteBuffer
    package var writeWaiter: EventLoopPromise<Void>?

    /// The status is decided; later writes are refused.
    package var isFinished: Bool { response.isFinished }

    package init(id: Int32, maxMessageSize: Int, allocator: ByteBufferAllocator) {
        self.id = id
        self.deframer = MessageDeframer(maxMessageSize: maxMessageSize)
        self.pending = allocator.buffer(capacity: 0)
    }

    /// Stops the handler and anything waiting on the stream; used when the call ends early.
    package func abandon() {
        task?.cancel()
        if request.close() == .finishInbound { inbound?.finish(throwing: CancellationError()) }
        inbound = nil
        deadlineTimer?.cancel()
        deadlineTimer = nil
        writeWaiter?.fail(CancellationError())
        writeWaiter = nil
    }
}
