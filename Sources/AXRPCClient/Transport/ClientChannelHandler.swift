import NGHTTP2Session
import NIOCore
import RPCProtocol

/// The NIO end of a client connection: socket bytes in and out of its `HTTP2ClientConnection`.
final class ClientChannelHandler: ChannelInboundHandler, SessionTransport {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let connection: HTTP2ClientConnection
    private var context: ChannelHandlerContext?
    private var started = false

    init(connection: HTTP2ClientConnection) {
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        connection.output = self
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    /// Starts the session if `channelActive` has not yet: NIO succeeds the connect promise
    /// before it fires `channelActive`, and calls waiting on that promise need a session.
    func startIfActive() {
        guard let context, context.channel.isActive else { return }
        start(context: context)
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        if !connection.start() {
            connection.noteFailure(RPCError(.internalError, "could not create an HTTP/2 session"))
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.receive(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // One flush per read batch sends every WINDOW_UPDATE, SETTINGS ACK and RST at once.
        connection.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { connection.flush() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.connectionClosed()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connection.connectionClosed()
        self.context = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason = TLSFailureText.describe(error, side: .client) ?? "\(error)"
        connection.noteFailure(RPCError(.unavailable, "the connection to \(connection.authority) failed: \(reason)"))
        context.close(promise: nil)
    }

    // MARK: SessionTransport

    var isWritable: Bool { context?.channel.isWritable ?? false }
    var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    func write(_ bytes: ByteBuffer) {
        context?.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    func close() {
        context?.close(promise: nil)
    }
}
