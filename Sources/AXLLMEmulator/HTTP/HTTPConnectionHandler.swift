import NIOCore
import NIOHTTP1

/// Connection limits of cpp-httplib that clients of the real runtime meet.
struct ConnectionLimits: Sendable {
    /// Responses per keep-alive connection before the server closes it (0: unlimited).
    var maxRequestsPerConnection = 100
    /// Idle keep-alive connections are closed after this many seconds (0: never).
    var keepAliveTimeoutSeconds = 5.0
    /// Larger request bodies are answered 413 and the connection closed.
    var maxBodyBytes = 8 << 20
}

/// One HTTP/1.1 connection (behind NIO's server pipeline, which parses and orders pipelined requests):
/// collects each request's body, routes it, writes the reply with Content-Length, CORS and keep-alive
/// headers, and closes idle or used-up connections like cpp-httplib.
final class HTTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: EmulatorRouter
    private let limits: ConnectionLimits
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    private var served = 0
    /// A deferred (`/api/chat`) reply is outstanding: the connection is not idle.
    private var awaitingReply = false
    private var idleTimer: Scheduled<Void>?

    init(router: EmulatorRouter, limits: ConnectionLimits) {
        self.router = router
        self.limits = limits
    }

    func channelActive(context: ChannelHandlerContext) {
        armIdleTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            idleTimer?.cancel()
            idleTimer = nil
            head = requestHead
            body = []
            bodyTooLarge = false
        case .body(let buffer):
            if body.count + buffer.readableBytes > limits.maxBodyBytes {
                bodyTooLarge = true
            } else {
                body += buffer.readableBytesView
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            if bodyTooLarge {
                respond(context: context, to: requestHead, with: HTTPReply(status: 413, body: ""), forceClose: true)
                return
            }
            let outcome = router.route(method: requestHead.method.rawValue, uri: requestHead.uri, body: body)
            body = []
            switch outcome {
            case .reply(let reply):
                respond(context: context, to: requestHead, with: reply)
            case .deferred(let register):
                awaitingReply = true
                register { [weak self] reply in
                    guard let self, context.channel.isActive else { return }
                    self.respond(context: context, to: requestHead, with: reply)
                }
            }
        }
    }

    private func respond(context: ChannelHandlerContext, to request: HTTPRequestHead, with reply: HTTPReply,
                         forceClose: Bool = false) {
        served += 1
        awaitingReply = false
        let limit = limits.maxRequestsPerConnection
        let keepAlive = request.isKeepAlive && !forceClose && (limit <= 0 || served < limit)
        var headers = HTTPHeaders()
        for (name, value) in reply.headers { headers.add(name: name, value: value) }
        headers.add(name: "Access-Control-Allow-Origin", value: "*")
        if keepAlive {
            headers.add(name: "Connection", value: "Keep-Alive")
            let timeout = Int(limits.keepAliveTimeoutSeconds.rounded())
            let maxPart = limit > 0 ? ", max=\(limit - served)" : ""
            headers.add(name: "Keep-Alive", value: "timeout=\(timeout)\(maxPart)")
        } else {
            headers.add(name: "Connection", value: "close")
        }
        var buffer = context.channel.allocator.buffer(capacity: reply.body.utf8.count)
        buffer.writeString(reply.body)
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))

        let status = HTTPResponseStatus(statusCode: reply.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
                      promise: nil)
        if buffer.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil) }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if keepAlive {
            armIdleTimer(context: context)
        } else {
            let channel = context.channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func armIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        guard limits.keepAliveTimeoutSeconds > 0 else { return }
        let timeout = TimeAmount.milliseconds(Int64(limits.keepAliveTimeoutSeconds * 1000))
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, self.head == nil, !self.awaitingReply else { return }
            context.close(promise: nil)
        }
    }
}
