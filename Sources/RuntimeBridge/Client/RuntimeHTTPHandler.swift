import NIOCore
import NIOHTTP1

/// One request for `RuntimeHTTPHandler`, written down the pipeline and answered through `promise`.
struct RuntimeHTTPExchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var timeout: TimeAmount
    var promise: EventLoopPromise<RuntimeHTTPResponse>
}

/// A complete response of the runtime.
struct RuntimeHTTPResponse: Sendable {
    var status: HTTPResponseStatus
    var keepAlive: Bool
    var body: ByteBuffer
}

/// How an exchange failed below HTTP.
enum RuntimeHTTPFailure: Error, Sendable {
    /// `responseStarted`: part of the answer had arrived, so the request was certainly received.
    case closed(detail: String, responseStarted: Bool)
    case timedOut
}

/// Matches requests to responses on one keep-alive HTTP/1.1 connection (NIOHTTP1 does the HTTP
/// framing below it). HTTP/1.1 answers in request order, so a FIFO of promises is enough; the
/// client sends one request at a time anyway. Every promise is completed exactly once: by its
/// response, by a timeout, or by the connection going away.
final class RuntimeHTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = RuntimeHTTPExchange
    typealias OutboundOut = HTTPClientRequestPart

    private struct Pending {
        var promise: EventLoopPromise<RuntimeHTTPResponse>
        var timeout: Scheduled<Void>
    }

    private var pending = CircularBuffer<Pending>()
    private var responseHead: HTTPResponseHead?
    private var responseBody: ByteBuffer?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(.closed(detail: "the connection was torn down", responseStarted: false))
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let timeout = context.eventLoop.scheduleTask(in: exchange.timeout) { bound.value.timedOut() }
        pending.append(Pending(promise: exchange.promise, timeout: timeout))

        let written = promise ?? context.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            bound.value.failAll(.closed(detail: "could not send the request: \(error)", responseStarted: false))
        }
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            responseHead = head
            responseBody = context.channel.allocator.buffer(capacity: 256)
        case var .body(part):
            responseBody?.writeBuffer(&part)
        case .end:
            guard let head = responseHead, let first = pending.popFirst() else { return }
            first.timeout.cancel()
            let body = responseBody ?? context.channel.allocator.buffer(capacity: 0)
            responseHead = nil
            responseBody = nil
            first.promise.succeed(RuntimeHTTPResponse(status: head.status, keepAlive: head.isKeepAlive, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.closed(detail: "connection closed by the runtime", responseStarted: responseHead != nil))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(.closed(detail: "\(error)", responseStarted: responseHead != nil))
        context.close(promise: nil)
    }

    /// An answer is overdue while the connection is up: the runtime hangs. The connection is
    /// unusable after that (a late answer would be matched to the next request), so close it.
    private func timedOut() {
        failAll(.timedOut)
        context?.close(promise: nil)
    }

    private func failAll(_ failure: RuntimeHTTPFailure) {
        responseHead = nil
        responseBody = nil
        while let next = pending.popFirst() {
            next.timeout.cancel()
            next.promise.fail(failure)
        }
    }
}
