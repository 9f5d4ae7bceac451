import NIOCore
import RPCProtocol

/// How many request messages a method takes, which decides when its handler starts.
package enum RPCMethodKind: Sendable {
    /// One request message: the handler starts once the client has half-closed.
    case unary, serverStreaming
    /// A stream of request messages: the handler starts with the headers.
    case bidirectionalStreaming
}

/// The request body as the transport hands it to a handler.
package enum RawRequest: Sendable {
    case single(ByteBuffer)
    case stream(InboundMessages)
}

/// The request messages of a streaming call, and the way back to the transport's flow control:
/// `consumed` is told the wire size of each message the handler has taken, and only then is
/// the client allowed to send that much more, so a handler that stops reading stops the client
/// instead of letting its messages pile up in memory.
package struct InboundMessages: Sendable {
    package var messages: AsyncThrowingStream<ByteBuffer, any Error>
    package var consumed: @Sendable (_ wireBytes: Int) -> Void

    package init(messages: AsyncThrowingStream<ByteBuffer, any Error>,
                 consumed: @escaping @Sendable (_ wireBytes: Int) -> Void = { _ in }) {
        self.messages = messages
        self.consumed = consumed
    }
}

/// A method the server serves: its path, kind and a type-erased handler over serialized messages.
/// The typed constructors below are what services use.
package struct RPCRoute: Sendable {
    /// Runs the call. Returns a final framed message to send together with the OK status (unary
    /// calls: one hop to the event loop for message and trailers), or nil.
    package typealias Handler = @Sendable (RawRequest, any ResponseSink, ServerContext) async throws -> ByteBuffer?

    /// A unary handler that answers at once from memory, run on the event loop itself: no task,
    /// no hop. Only for handlers that never wait.
    package typealias ImmediateHandler = @Sendable (ByteBuffer, ServerContext) throws -> ByteBuffer

    package let path: String
    /// The method as metrics name it (`MethodPath.label`), made once rather than per call.
    package let label: String
    package let kind: RPCMethodKind
    package let handler: Handler
    package let immediate: ImmediateHandler?

    package init(path: String, kind: RPCMethodKind, immediate: ImmediateHandler? = nil, handler: @escaping Handler) {
        self.path = path
        self.label = MethodPath.label(path)
        self.kind = kind
        self.immediate = immediate
        self.handler = handler
    }

    package static func immediateUnary<Request: WireMessage, Response: WireMessage>(
        _ path: String, _ body: @escaping @Sendable (Request, ServerContext) throws -> Response
    ) -> RPCRoute {
        immediateFramedUnary(path) { (request: Request, context) in MessageFramer.frame(try body(request, context)) }
    }

    /// Like `immediateUnary`, for a handler that returns its reply already framed (e.g. from a
    /// `LatestFrameCache`). The request is still decoded: a malformed one is refused.
    package static func immediateFramedUnary<Request: WireMessage>(
        _ path: String, _ body: @escaping @Sendable (Request, ServerContext) throws -> ByteBuffer
    ) -> RPCRoute {
        let immediate: ImmediateHandler = { bytes, context in
            try body(try Request(wireBytes: bytes), context)
        }
        return RPCRoute(path: path, kind: .unary, immediate: immediate) { raw, _, context in
            guard case let .single(bytes) = raw else {
                throw RPCError(.internalError, "unary method received a request stream")
            }
            return try immediate(bytes, context)
        }
    }

    package static func unary<Request: WireMessage, Response: WireMessage>(
        _ path: String, _ body: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) -> RPCRoute {
        RPCRoute(path: path, kind: .unary) { raw, _, context in
            let request: Request = try decodeSingle(raw)
            let response = try await body(request, context)
            return MessageFramer.frame(response)
        }
    }

    package static func serverStreaming<Request: WireMessage, Response: WireMessage>(
        _ path: String,
        _ body: @escaping @Sendable (Request, ResponseWriter<Response>, ServerContext) async throws -> Void
    ) -> RPCRoute {
        RPCRoute(path: path, kind: .serverStreaming) { raw, sink, context in
            let request: Request = try decodeSingle(raw)
            try await body(request, ResponseWriter(sink: sink), context)
            return nil
        }
    }

    package static func bidirectionalStreaming<Request: WireMessage, Response: WireMessage>(
        _ path: String,
        _ body: @escaping @Sendable (RequestStream<Request>, ResponseWriter<Response>, ServerContext) async throws -> Void
    ) -> RPCRoute {
        RPCRoute(path: path, kind: .bidirectionalStreaming) { raw, sink, context in
            guard case let .stream(inbound) = raw else {
                throw RPCError(.internalError, "streaming method received a single request")
            }
            try await body(RequestStream(inbound: inbound), ResponseWriter(sink: sink), context)
            return nil
        }
    }

    private static func decodeSingle<Request: WireMessage>(_ raw: RawRequest) throws -> Request {
        guard case let .single(bytes) = raw else {
            throw RPCError(.internalError, "unary method received a request stream")
        }
        return try Request(wireBytes: bytes)
    }
}
