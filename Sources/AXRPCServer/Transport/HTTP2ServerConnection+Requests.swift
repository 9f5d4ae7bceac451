import CNGHTTP2
import NIOCore
import RPCProtocol

/// The request side: headers, body and half-close of each stream, and starting its handler.
extension HTTP2ServerConnection {
    func beginHeaders(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        guard isRequestHeaders(frame) else { return 0 }
        let id = frame.pointee.hd.stream_id
        let allocator = output?.allocator ?? ByteBufferAllocator()
        streams[id] = ServerStream(id: id, maxMessageSize: configuration.maxMessageSize, allocator: allocator)
        return 0
    }

    func header(_ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>,
                value: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard let stream = streams[frame.pointee.hd.stream_id] else { return 0 }
        // RFC 9113 counts 32 octets of overhead per field; nghttp2 1.52 does not enforce the limit.
        stream.headerListSize += name.count + value.count + 32
        if stream.headerListSize > configuration.maxHeaderListSize {
            logger.info("resetting stream: header list too large", metadata: [
                "stream": "\(stream.id)", "limit": "\(configuration.maxHeaderListSize)"])
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
        }
        guard isRequestHeaders(frame) else { return 0 }
        let name = String(decoding: name, as: UTF8.self)
        let value = String(decoding: value, as: UTF8.self)
        switch name {
        case ":method": stream.method = value
        case ":path": stream.path = value
        case "content-type": stream.contentType = value
        case "grpc-timeout": stream.timeoutHeader = value
        case "grpc-encoding": stream.encoding = value
        default:
            // Pseudo-headers, connection-level and reserved grpc-* fields are not metadata.
            if name.hasPrefix(":") || name.hasPrefix("grpc-") || name == "te" { break }
            try? stream.metadata.addWireHeader(name: name, value: value)
        }
        return 0
    }

    func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let header = frame.pointee.hd
        guard let stream = streams[header.stream_id] else { return 0 }
        if isRequestHeaders(frame) {
            dispatch(stream)
        }
        let isData = header.type == UInt8(NGHTTP2_DATA.rawValue)
        let isHeaders = header.type == UInt8(NGHTTP2_HEADERS.rawValue)
        if (isData || isHeaders) && header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 {
            requestEnded(stream)
        }
        return 0
    }

    func dataReceived(_ streamID: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let stream = streams[streamID], !stream.isFinished, let route = stream.route else { return 0 }
        stream.deframer.append(bytes)
        do {
            while let message = try stream.deframer.next() {
                switch route.kind {
                case .unary, .serverStreaming:
                    stream.messageCount += 1
                    guard stream.messageCount == 1 else {
                        fail(stream, RPCError(.unimplemented, "\(stream.path) takes exactly one request message"))
                        return 0
                    }
                    stream.singleMessage = message
                case .bidirectionalStreaming:
                    stream.inbound?.yield(message)
                }
            }
        } catch let error as RPCError {
            fail(stream, error)
        } catch {
            fail(stream, RPCError(.internalError, "could not read the request: \(error)"))
        }
        return 0
    }

    /// Validates the request line and starts what can start before the body.
    private func dispatch(_ stream: ServerStream) {
        guard stream.method == "POST" else {
            respondHTTP(stream, status: 405, message: "gRPC requires POST, got \(stream.method)",
                        extra: [("allow", "POST")])
            return
        }
        guard let contentType = stream.contentType, Self.isGRPCContentType(contentType) else {
            respondHTTP(stream, status: 415,
                        message: "invalid gRPC request content-type \"\(stream.contentType ?? "")\"", extra: [])
            return
        }
        // Before the route lookup, so that a caller without a key learns nothing about the API.
        if let denied = configuration.access.authorizeGRPC(path: stream.path,
                                                           authorization: stream.metadata["authorization"]) {
            logger.info("refused a call without a valid API key", metadata: ["peer": "\(peer)", "path": "\(stream.path)"])
            fail(stream, denied)
            return
        }
        guard let route = router[stream.path] else {
            let service = stream.path.split(separator: "/").first.map(String.init) ?? ""
            let message = router.serviceNames.contains(service)
                ? "unknown method \(stream.path)" : "unknown service \(service)"
            fail(stream, RPCError(.unimplemented, message))
            return
        }
        if let encoding = stream.encoding, encoding != "identity" {
            fail(stream, RPCError(.unimplemented, "message encoding \"\(encoding)\" is not supported",
                                  trailers: ["grpc-accept-encoding": "identity"]))
            return
        }
        if let header = stream.timeoutHeader {
            guard let timeout = GRPCTimeout(headerValue: header) else {
                fail(stream, RPCError(.internalError, "malformed grpc-timeout \"\(header)\""))
                return
            }
            armDeadline(stream, after: timeout)
        }
        stream.route = route
        if route.kind == .bidirectionalStreaming {
            let (messages, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
            stream.inbound = continuation
            startHandler(stream, route: route, request: .stream(messages))
        }
    }

    /// The client half-closed: a single-message call can start; a stream's messages end.
    private func requestEnded(_ stream: ServerStream) {
        stream.clientHalfClosed = true
        guard !stream.isFinished, let route = stream.route else { return }
        if stream.deframer.hasPartialMessage {
            fail(stream, RPCError(.internalError, "the request ended in the middle of a message"))
            return
        }
        switch route.kind {
        case .unary, .serverStreaming:
            guard let message = stream.singleMessage else {
                fail(stream, RPCError(.unimplemented, "\(stream.path) takes exactly one request message, got none"))
                return
            }
            stream.singleMessage = nil
            startHandler(stream, route: route, request: .single(message))
        case .bidirectionalStreaming:
            stream.inbound?.finish()
            stream.inbound = nil
        }
    }

    private func armDeadline(_ stream: ServerStream, after timeout: GRPCTimeout) {
        stream.deadline = ContinuousClock.now.advanced(by: timeout.duration)
        let bound = loopBound
        let id = stream.id
        stream.deadlineTimer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            bound.value.deadlineExpired(id, timeout: timeout)
        }
    }

    private func deadlineExpired(_ id: Int32, timeout: GRPCTimeout) {
        guard let stream = streams[id], !stream.isFinished else { return }
        stream.deadlineTimer = nil
        logger.debug("deadline exceeded", metadata: ["stream": "\(id)", "path": "\(stream.path)"])
        fail(stream, RPCError(.deadlineExceeded, "deadline exceeded after \(timeout.headerValue)"))
        scheduleFlush()
    }

    private func startHandler(_ stream: ServerStream, route: RPCRoute, request: RawRequest) {
        let sink = ResponseSink(streamID: stream.id, connection: loopBound)
        let context = ServerContext(path: stream.path, metadata: stream.metadata, deadline: stream.deadline,
                                    peer: peer, logger: logger)
        if let immediate = route.immediate, case let .single(bytes) = request {
            do {
                finish(streamID: stream.id, finalMessage: try immediate(bytes, context), error: nil)
            } catch let error as RPCError {
                finish(streamID: stream.id, finalMessage: nil, error: error)
            } catch {
                finish(streamID: stream.id, finalMessage: nil, error: RPCError(.unknown, "\(error)"))
            }
            return
        }
        let handler = route.handler
        stream.task = Task {
            do {
                let finalMessage = try await handler(request, sink, context)
                sink.finish(finalMessage: finalMessage, error: nil)
            } catch let error as RPCError {
                sink.finish(finalMessage: nil, error: error)
            } catch is CancellationError {
                sink.finish(finalMessage: nil, error: RPCError(.cancelled, "the call was cancelled"))
            } catch {
                context.logger.error("handler failed", metadata: ["path": "\(context.path)", "error": "\(error)"])
                sink.finish(finalMessage: nil, error: RPCError(.unknown, "\(error)"))
            }
        }
    }

    private func isRequestHeaders(_ frame: UnsafePointer<nghttp2_frame>) -> Bool {
        frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue)
            && frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST
    }

    /// `application/grpc`, optionally followed by `+format` or `;parameters`.
    static func isGRPCContentType(_ value: String) -> Bool {
        let prefix = "application/grpc"
        guard value.lowercased().hasPrefix(prefix) else { return false }
        let rest = value.dropFirst(prefix.count)
        return rest.isEmpty || rest.hasPrefix("+") || rest.hasPrefix(";")
    }
}
