import AXRPCFrontEnd
import Logging
import NGHTTP2Session
import NIOCore

/// The NIO end of a connection: socket bytes in and out of its `HTTP2ServerConnection`.
final class GRPCChannelHandler: ChannelInboundHandler, SessionTransport {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let configuration: TransportConfiguration
    private let router: Router
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var connection: HTTP2ServerConnection?
    /// The channel's writability and allocator, kept here: nghttp2's output is drained on every
    /// flush, and asking the channel each time (an existential call, an atomic load) was ~2% of
    /// a unary call's CPU at `h2load -c 100 -m 1` (perf).
    private var writable = false
    private var channelAllocator = ByteBufferAllocator()

    private let calls: CallTracker

    init(configuration: TransportConfiguration, router: Router, logger: Logger,
                 calls: CallTracker = CallTracker()) {
        self.calls = calls
        self.configuration = configuration
        self.router = router
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        writable = context.channel.isWritable
        channelAllocator = context.channel.allocator
        let peer = context.channel.remoteAddress.map { "\($0)" } ?? "unknown"
        let connection = HTTP2ServerConnection(eventLoop: context.eventLoop, configuration: configuration,
                                               router: router, peer: peer, logger: logger, calls: calls)
        connection.output = self
        self.connection = connection
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        start(context: context)
        context.fireChannelActive()
    }

    private var started = false
    private func start(context: ChannelHandlerContext) {
        guard !started, let connection else { return }
        started = true
        if !connection.start() {
            logger.error("could not create an HTTP/2 session; closing the connection")
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection?.receive(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection?.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        if writable { connection?.flush() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.connectionClosed()
        connection = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connection?.connectionClosed()
        connection = nil
        self.context = nil
        writable = false
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            connection?.beginGracefulShutdown()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error; closing", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: SessionTransport

    var isWritable: Bool { context != nil && writable }
    var allocator: ByteBufferAllocator { channelAllocator }

    func write(_ bytes: ByteBuffer) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    func close() {
        context?.close(promise: nil)
    }
}
