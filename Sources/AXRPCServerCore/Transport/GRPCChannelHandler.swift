import AXRPCFrontEnd
import Logging
import NIOCore

/// The NIO end of a connection: socket bytes in and out of its `HTTP2ServerConnection`.
package final class GRPCChannelHandler: ChannelInboundHandler, ConnectionOutput {
    package typealias InboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

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

    package init(configuration: TransportConfiguration, router: Router, logger: Logger,
                 calls: CallTracker = CallTracker()) {
        self.calls = calls
        self.configuration = configuration
        self.router = router
        self.logger = logger
    }

    package func handlerAdded(context: ChannelHandlerContext) {
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

    package func channelActive(context: ChannelHandlerContext) {
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

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection?.receive(unwrapInboundIn(data))
    }

    package func channelReadComplete(context: ChannelHandlerContext) {
        connection?.flush()
        context.fireChannelReadComplete()
    }

    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        if writable { connection?.flush() }
        context.fireChannelWritabilityChanged()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        connection?.connectionClosed()
        connection = nil
        context.fireChannelInactive()
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        connection?.connectionClosed()
        connection = nil
        self.context = nil
        writable = false
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            connection?.beginGracefulShutdown()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error; closing", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: ConnectionOutput

    package var isWritable: Bool { context != nil && writable }
    package var allocator: ByteBufferAllocator { channelAllocator }

    package func write(_ bytes: ByteBuffer) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    package func close() {
        context?.close(promise: nil)
    }
}
