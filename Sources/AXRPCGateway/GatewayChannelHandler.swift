import AXRPCFrontEnd
import AXRPCGatewayRequests
import Logging
import NIOCore
import NIOHTTP1

/// The last handler of a gateway connection, behind NIOHTTP1's parser and pipelining handler:
/// collects each request's body, hands the request to the router in a Task, and cancels that
/// Task when the connection goes away.
///
/// Cancelling the Task is the whole cancellation story: the Task consumes the engine's stream,
/// and the engine stops the runtime (or leaves the queue) when its consumer is cancelled, the
/// same path a gRPC RST_STREAM takes. NIO notices a peer's close even while
/// `HTTPServerPipelineHandler` holds reads back during a response, because it always watches
/// for read EOF.
///
/// Everything here runs on the channel's event loop; the Task only talks to the channel through
/// `GatewayResponder`, so nothing in this class is shared across threads.
package final class GatewayChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias OutboundOut = HTTPServerResponsePart

    /// The largest request body accepted (413 above it). Chats with long histories are the
    /// biggest legitimate requests; the runtime's context (a few thousand tokens) bounds them far
    /// below this.
    package static let defaultMaxBodyBytes = 8 * 1024 * 1024
    /// `--max-body-bytes`.
    private let maxBodyBytes: Int

    private enum State {
        case idle
        case receiving(HTTPRequestHead, [UInt8])
        /// The body passed the limit: keep reading (and dropping) until its end, then answer 413.
        case discarding(HTTPRequestHead)
    }

    private let router: GatewayRouter
    private let logger: Logger
    private var state = State.idle
    private var task: Task<Void, Never>?

    private let calls: CallTracker

    package init(router: GatewayRouter, logger: Logger, calls: CallTracker = CallTracker(),
                 maxBodyBytes: Int = GatewayChannelHandler.defaultMaxBodyBytes) {
        self.calls = calls
        self.router = router
        self.logger = logger
        self.maxBodyBytes = maxBodyBytes
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                // curl sends larger bodies only after this (or after waiting a second for it).
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version,
                                                                             status: .continue))),
                                      promise: nil)
            }
            state = .receiving(head, [])
        case var .body(buffer):
            switch state {
            case .receiving(let head, var body):
                if body.count + buffer.readableBytes > maxBodyBytes {
                    logger.info("refusing a request: its body is over the limit",
                                metadata: ["path": "\(head.uri.prefix(200))", "limit": "\(maxBodyBytes)",
                                           "flag": "--max-body-bytes"])
                    state = .discarding(head)
                } else {
                    // Move the array out of the enum before appending so it is not copied.
                    state = .idle
                    body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
                    state = .receiving(head, body)
                }
            case .idle, .discarding:
                break
            }
        case .end:
            switch state {
            case let .receiving(head, body):
                dispatch(GatewayRequest(head: head, body: body, logger: logger), head: head, context: context)
            case let .discarding(head):
                let tooLarge = GatewayError(.payloadTooLarge,
                                            "the request body is larger than \(maxBodyBytes) bytes (--max-body-bytes)",
                                            code: "request_too_large")
                dispatch(GatewayRequest(head: head, body: [], logger: logger), head: head, context: context, failure: tooLarge)
            case .idle:
                break
            }
        }
    }

    private func dispatch(_ request: GatewayRequest, head: HTTPRequestHead, context: ChannelHandlerContext,
                          failure: GatewayError? = nil) {
        let responder = GatewayResponder(channel: context.channel, request: head,
                                         headers: router.context.cors.responseHeaders(origin: head.headers.first(name: "Origin")))
        let router = self.router
        // On the connection's loop, like a gRPC handler: the engine then runs the turn on this
        // loop too, so each delta is relayed and written without a thread hop (the JSON work per
        // delta is small and nothing in a route blocks).
        task = calls.run(on: context.eventLoop) {
            await router.respond(to: request, via: responder, failure: failure)
        }
        // `HTTPServerPipelineHandler` holds a pipelined next request back until this response has
        // ended, so one Task per connection runs at a time and the parser state can reset now.
        state = .idle
    }

    package func channelInactive(context: ChannelHandlerContext) {
        // The client went away (or the gateway is closing the connection): stop its generation.
        task?.cancel()
        task = nil
        state = .idle
        context.fireChannelInactive()
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        task?.cancel()
        task = nil
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Parse errors were answered with 400 by NIOHTTP1's error handler; anything else (reset
        // by peer, broken pipe) just ends the connection, which cancels the request's Task.
        logger.debug("http connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
