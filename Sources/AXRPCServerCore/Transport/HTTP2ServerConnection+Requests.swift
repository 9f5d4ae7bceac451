import AXRPCFrontEnd
import CNGHTTP2
import Logging
import NGHTTP2Session
import NIOCore
import RPCProtocol

/// The request side: headers, body and half-close of each stream, and starting its handler.
extension HTTP2ServerConnection {
    func headersBegan(_ frame: FrameEvent) -> Int32 {
        guard frame.opensRequest else { return 0 }
        let id = frame.streamID
        let allocator = output?.allocator ?? ByteBufferAllocator()
        streams.insert(ServerStream(id: id, maxMessageSize: configuration.maxMessageSize, allocator: allocator))
        return 0
    }

    func header(_ frame: FrameEvent, name: UnsafeBufferPointer<UInt8>,
                value: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard let stream = streams.find(frame.streamID) else { return 0 }
        // RFC 9113 counts 32 octets of overhead per field; nghttp2 1.52 does not enforce the limit.
        stream.headerListSize += name.count + value.count + 32
        if stream.headerListSize > configuration.maxHeaderListSize {
            logger(for: stream).info("resetting stream: header list too large", metadata: [
                "limit": "\(configuration.maxHeaderListSize)"])
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
        }
        guard frame.opensRequest else { return 0 }
        switch RequestHeaderName(name) {
        case .method: stream.method = headerStrings.string(value)
        case .path: stream.path = headerStrings.string(value)
        case .contentType: stream.contentType = headerStrings.string(value)
        case .timeout: stream.timeoutHeader = String(decoding: value, as: UTF8.self)
        case .encoding: stream.encoding = headerStrings.string(value)
        case .reserved:
            // Pseudo-headers, connection-level and reserved grpc-* fields are not metadata.
            break
        case .metadata:
            try? stream.metadata.addWireHeader(name: headerStrings.string(name), value: headerStrings.string(value))
        }
        return 0
    }

    func frameReceived(_ frame: FrameEvent) -> Int32 {
        guard let stream = streams.find(frame.streamID) else { return 0 }
        if frame.opensRequest {
            dispatch(stream)
        }
        if frame.endStream {
            requestEnded(stream)
        }
        return 0
    }

    func dataReceived(_ streamID: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let stream = streams.find(streamID), stream.request.readsBody, let route = stream.route else {
            // Nobody will read these: the window goes back at once.
            returnWindow(streamID, bytes.count)
            return 0
        }
        if route.kind == .bidirectionalStreaming {
            stream.unconsumedBytes += bytes.count
        } else {
            // At most one message, held until the handler starts: bounded by the message size limit.
            returnWindow(streamID, bytes.count)
        }
        stream.deframer.append(bytes)
        do {
            while let message = try stream.deframer.next() {
                switch stream.request.messageReceived(message) {
                case let .deliver(message):
                    stream.inbound?.yield(message)
                case .hold, .discard:
                    break
                case let .refuse(refusal):
                    fail(stream, refusal.error(path: stream.path))
                    return 0
                }
            }
        } catch let error as RPCError {
            fail(stream, error)
        } catch {
            logger(for: stream).debug("unreadable request", metadata: ["error": "\(String(reflecting: error))"])
            fail(stream, RPCError(.internalError, "could not read the request message"))
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
        // The metadata lookup only when keys are configured: an open server skips it per call.
        if configuration.access.isEnabled,
           let denied = configuration.access.authorizeGRPC(path: stream.path,
                                                           authorization: stream.metadata["authorization"]) {
            logger.info("refused a call without a valid API key", metadata: ["peer": "\(peer)", "path": "\(stream.path)"])
            fail(stream, denied)
            return
        }
        guard let route = route(for: stream.path) else {
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
        // Checked first: building a call's logger costs an allocation the health probes can skip.
        if logger.logLevel <= .debug { logger(for: stream).debug("call started") }
        switch stream.request.routed(route.kind) {
        case .awaitMessage, .ignore:
            break
        case .startStreamingHandler:
            let (messages, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
            stream.inbound = continuation
            let bound = loopBound
            let id = stream.id
            let inbound = InboundMessages(messages: messages) { wireBytes in
                bound.eventLoop.execute { bound.value.handlerConsumed(wireBytes, on: id) }
            }
            startHandler(stream, route: route, request: .stream(inbound))
        }
    }

    /// The client half-closed: a single-message call can start; a stream's messages end.
    private func requestEnded(_ stream: ServerStream) {
        switch stream.request.endOfStream(partialMessage: stream.deframer.hasPartialMessage) {
        case let .startHandler(message):
            guard let route = stream.route else { return }
            startHandler(stream, route: route, request: .single(message))
        case .finishInbound:
            stream.inbound?.finish()
            stream.inbound = nil
        case let .refuse(refusal):
            fail(stream, refusal.error(path: stream.path))
        case .ignore:
            break
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
        guard let stream = streams.find(id), !stream.isFinished else { return }
        stream.deadlineTimer = nil
        logger(for: stream).debug("deadline exceeded")
        fail(stream, RPCError(.deadlineExceeded, "deadline exceeded after \(timeout.headerValue)"))
        scheduleFlush()
    }

    private func startHandler(_ stream: ServerStream, route: RPCRoute, request: RawRequest) {
        if let immediate = route.immediate, case let .single(bytes) = request {
            // Answered from memory on this loop: the request's logger is built only if needed.
            let context = ServerContext(path: stream.path, metadata: stream.metadata, deadline: stream.deadline,
                                        peer: peer, logger: logger)
            do {
                finish(streamID: stream.id, finalMessage: try immediate(bytes, context), error: nil)
            } catch let error as RPCError {
                finish(streamID: stream.id, finalMessage: nil, error: error)
            } catch {
                finish(streamID: stream.id, finalMessage: nil,
                       error: UnexpectedFailure.status(for: error, logger: logger(for: stream)))
            }
            return
        }
        let context = ServerContext(path: stream.path, metadata: stream.metadata, deadline: stream.deadline,
                                    peer: peer, logger: logger(for: stream))
        let handler = route.handler
        let sink = StreamResponseSink(streamID: stream.id, connection: loopBound)
        // On this connection's loop: each response message is queued without a thread hop.
        stream.task = calls.run(on: eventLoop) {
            do {
                let finalMessage = try await handler(request, sink, context)
                sink.finish(finalMessage: finalMessage, error: nil)
            } catch let error as RPCError {
                sink.finish(finalMessage: nil, error: error)
            } catch is CancellationError {
                sink.finish(finalMessage: nil, error: RPCError(.cancelled, "the call was cancelled"))
            } catch {
                sink.finish(finalMessage: nil, error: UnexpectedFailure.status(for: error, logger: context.logger))
            }
        }
    }

    /// A streaming handler took a message of `wireBytes`: the client may send that much more.
    func handlerConsumed(_ wireBytes: Int, on streamID: Int32) {
        guard let stream = streams.find(streamID), stream.unconsumedBytes > 0 else { return }
        let count = min(wireBytes, stream.unconsumedBytes)
        stream.unconsumedBytes -= count
        returnWindow(streamID, count)
        scheduleFlush()
    }

    /// Gives received bytes back to flow control (WINDOW_UPDATE when enough have come back).
    func returnWindow(_ streamID: Int32, _ count: Int) {
        guard count > 0, let session else { return }
        nghttp2_session_consume(session, streamID, count)
    }

    /// The logger of one call: the connection's, with the call's request id and method.
    func logger(for stream: ServerStream) -> Logger {
        var logger = self.logger
        logger[metadataKey: RequestID.metadataKey] = "\(requestTag)/\(stream.id)"
        if !stream.path.isEmpty { logger[metadataKey: "path"] = "\(stream.path)" }
        return logger
    }

    /// The route of `path`: the connection's last one when it is the same method again (a
    /// client's calls mostly are), without hashing the path.
    private func route(for path: String) -> RPCRoute? {
        if let lastRoute, lastRoute.path == path { return lastRoute }
        let route = router[path]
        if route != nil { lastRoute = route }
        return route
    }

    /// `application/grpc` (in any case), optionally followed by `+format` or `;parameters`.
    /// Compared byte by byte: no lowercased copy per call.
    static func isGRPCContentType(_ value: String) -> Bool {
        // What nearly every client sends, in one compare.
        if value == "application/grpc" { return true }
        let prefix = "application/grpc".utf8
        var bytes = value.utf8.makeIterator()
        for expected in prefix {
            guard let byte = bytes.next() else { return false }
            // What `lowercased()` did for this ASCII prefix: capitals fold, nothing else does.
            let folded = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            guard folded == expected else { return false }
        }
        guard let next = bytes.next() else { return true }
        return next == UInt8(ascii: "+") || next == UInt8(ascii: ";")
    }
}
