import AXRPCFrontEnd
import Logging
import NIOCore

/// Closes connections that hold a slot without using it:
/// * the first request's bytes (after the TLS handshake) must come within `firstRequestTimeout`,
///   or the connection is closed: a slowloris or a port scanner must not keep it open;
/// * after `idleTimeout` without a byte in either direction the connection is asked to quiesce
///   (`ChannelShouldQuiesceEvent`: GOAWAY on HTTP/2, so open streams such as a health watch
///   still finish; a close after the response on HTTP/1.1).
///
/// Activity is noted as a timestamp per read and write; one timer re-arms itself from it, so a
/// busy stream costs no timer per message.
package final class ConnectionTimeoutHandler: ChannelDuplexHandler {
    package typealias InboundIn = NIOAny
    package typealias OutboundIn = NIOAny

    private let limits: ConnectionLimits
    private let logger: Logger
    private var firstRequestTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var lastActivity = NIODeadline.now()
    private var quiesced = false

    package init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    package func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    private var armed = false
    private func arm(_ context: ChannelHandlerContext) {
        guard !armed else { return }
        armed = true
        lastActivity = .now()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        if let timeout = limits.firstRequestTimeout {
            firstRequestTimer = context.eventLoop.scheduleTask(in: timeout) {
                let (handler, context) = bound.value
                handler.logger.info("closing a connection that sent no request in time",
                                    metadata: ["peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "unknown")",
                                               "timeout": "\(timeout)", "flag": "--first-request-timeout-seconds"])
                context.close(promise: nil)
            }
        }
        scheduleIdleCheck(context, after: limits.idleTimeout)
    }

    private func scheduleIdleCheck(_ context: ChannelHandlerContext, after delay: TimeAmount?) {
        guard let delay, let idle = limits.idleTimeout, !quiesced else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = bound.value
            let quietFor = NIODeadline.now() - handler.lastActivity
            if quietFor >= idle {
                handler.quiesced = true
                handler.logger.debug("closing an idle connection (--idle-timeout-seconds)")
                context.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            } else {
                handler.scheduleIdleCheck(context, after: idle - quietFor)
            }
        }
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        firstRequestTimer?.cancel()
        firstRequestTimer = nil
        context.fireChannelRead(data)
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        lastActivity = .now()
        context.write(data, promise: promise)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    private func cancelTimers() {
        firstRequestTimer?.cancel()
        idleTimer?.cancel()
        firstRequestTimer = nil
        idleTimer = nil
    }
}
