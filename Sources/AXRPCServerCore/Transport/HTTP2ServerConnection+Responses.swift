import CNGHTTP2
import NGHTTP2Session
import NIOCore
import RPCProtocol

/// The response side: HEADERS, DATA through a deferred data provider, trailers, and stream ends.
extension HTTP2ServerConnection {
    /// Queues a framed message on a stream; the future completes when the writer may go on.
    func enqueue(message: ByteBuffer, on streamID: Int32) -> EventLoopFuture<Void> {
        guard let stream = streams.find(streamID), !stream.isFinished, session != nil else {
            return eventLoop.makeFailedFuture(CancellationError())
        }
        stream.queue(message)
        messageQueued(stream)
        scheduleFlush()
        guard stream.pending.readableBytes > configuration.streamSendHighWater else {
            return eventLoop.makeSucceededVoidFuture()
        }
        let promise = eventLoop.makePromise(of: Void.self)
        stream.writeWaiter = promise
        return promise.futureResult
    }

    /// The handler is done: send an optional last message, then the status.
    func finish(streamID: Int32, finalMessage: ByteBuffer?, error: RPCError?) {
        guard let stream = streams.find(streamID), !stream.isFinished else { return }
        if let finalMessage {
            stream.queue(finalMessage)
            messageQueued(stream)
        }
        complete(stream, error)
        scheduleFlush()
    }

    /// Ends a call from the transport's side (bad request, deadline) and stops its handler.
    func fail(_ stream: ServerStream, _ error: RPCError) {
        guard !stream.isFinished else { return }
        stream.abandon()
        complete(stream, error)
    }

    /// Sends the status: in trailers after the messages, or Trailers-Only when nothing was sent.
    private func complete(_ stream: ServerStream, _ error: RPCError?) {
        guard !stream.isFinished else { return }
        // What the handler will no longer take goes back to the connection's window.
        returnWindow(stream.id, stream.unconsumedBytes)
        stream.unconsumedBytes = 0
        stream.deadlineTimer?.cancel()
        stream.deadlineTimer = nil
        // The request is no longer read; a streaming handler's messages end here.
        if stream.request.close() == .finishInbound { stream.inbound?.finish() }
        stream.inbound = nil
        stream.writeWaiter?.fail(CancellationError())
        stream.writeWaiter = nil
        configuration.callFinished?(stream.route?.label, error?.code ?? .ok)
        let trailers: HeaderBlock
        if let error {
            var block = HeaderBlock([("grpc-status", "\(error.code.rawValue)")])
            if !error.message.isEmpty { block.add("grpc-message", StatusMessageEncoding.encode(error.message)) }
            for field in error.trailers.wireHeaders { block.add(field.name, field.value) }
            trailers = block
            if error.code != .cancelled {
                logger(for: stream).debug("call failed", metadata: [
                    "code": "\(error.code.name)", "message": "\(error.message)"])
            }
        } else {
            trailers = ResponseHeaders.okTrailers
            if logger.logLevel <= .debug { logger(for: stream).debug("call finished", metadata: ["code": "OK"]) }
        }
        switch stream.response.finish(with: trailers) {
        case let .sendTrailersOnly(trailers):
            // The OK status alone (an empty stream) is one block made once.
            var block = error == nil ? ResponseHeaders.okTrailersOnly : ResponseHeaders.grpc
            if error != nil { block.fields.append(contentsOf: trailers.fields) }
            submitResponse(stream, headers: block, withBody: false)
        case let .queueTrailers(resume):
            if resume { resumeData(stream) }
        case .ignore:
            break
        }
    }

    /// A plain HTTP error for requests that are not gRPC at all (wrong method or content-type).
    func respondHTTP(_ stream: ServerStream, status: Int, message: String, extra: [(String, String)]) {
        stream.response.answeredWithoutBody()
        // Never routed, so nothing waits on the request; it is simply no longer read.
        _ = stream.request.close()
        var block = HeaderBlock([(":status", "\(status)"), ("content-type", "text/plain; charset=utf-8"),
                                 ("grpc-status", "\(StatusCode.internalError.rawValue)"),
                                 ("grpc-message", StatusMessageEncoding.encode(message))])
        for field in extra { block.add(field.0, field.1) }
        submitResponse(stream, headers: block, withBody: false)
    }

    /// A message was queued: the first one starts the response, later ones may wake the provider.
    private func messageQueued(_ stream: ServerStream) {
        switch stream.response.messageQueued() {
        case .submitHeaders:
            submitResponse(stream, headers: ResponseHeaders.grpc, withBody: true)
        case .resume:
            resumeData(stream)
        case .none, .refuse:
            // `enqueue` and `finish` check `isFinished` first, so a refusal does not reach here.
            break
        }
    }

    private func submitResponse(_ stream: ServerStream, headers: HeaderBlock, withBody: Bool) {
        guard let session else { return }
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil),
                                             read_callback: SessionCallbacks.readBody)
        let result = headers.withNameValuePairs { pairs, count in
            withBody
                ? nghttp2_submit_response(session, stream.id, pairs, count, &provider)
                : nghttp2_submit_response(session, stream.id, pairs, count, nil)
        }
        if result != 0 {
            logger(for: stream).debug("could not submit response", metadata: [
                "error": "\(String(cString: nghttp2_strerror(result)))"])
        }
    }

    private func resumeData(_ stream: ServerStream) {
        guard let session else { return }
        nghttp2_session_resume_data(session, stream.id)
    }

    /// nghttp2 asks for up to `length` body bytes of a stream.
    func readBody(_ streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, length: Int,
                          flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let stream = streams.find(streamID) else {
            return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        let count = min(length, stream.pending.readableBytes)
        if count > 0 {
            stream.pending.readWithUnsafeReadableBytes { bytes in
                if let base = bytes.baseAddress {
                    UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: count)
                }
                return count
            }
        }
        if stream.pending.readableBytes == 0 {
            stream.pending.clear()
            // With bytes copied and the call still running, nghttp2 simply asks again later.
            if count == 0 || stream.isFinished {
                switch stream.response.providerDrained() {
                case .deferData:
                    // Only reached with count == 0: a running call's provider ran dry.
                    return Int(NGHTTP2_ERR_DEFERRED.rawValue)
                case let .sendTrailers(trailers):
                    guard let session else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
                    flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                    _ = trailers.withNameValuePairs { pairs, count in
                        nghttp2_submit_trailer(session, streamID, pairs, count)
                    }
                case .fail:
                    return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
                }
            }
        }
        if let waiter = stream.writeWaiter, stream.pending.readableBytes <= configuration.streamSendHighWater / 2 {
            stream.writeWaiter = nil
            waiter.succeed()
        }
        return count
    }

    func frameSent(_ frame: FrameEvent) -> Int32 {
        guard frame.kind == .headers, frame.endStream, let session else { return 0 }
        // The response ended while the client is still sending: nghttp2 does not reset the stream
        // itself, and the client would otherwise keep uploading into the void.
        if nghttp2_session_get_stream_remote_close(session, frame.streamID) == 0 {
            nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), frame.streamID,
                                      NGHTTP2_NO_ERROR.rawValue)
        }
        return 0
    }

    func streamClosed(_ streamID: Int32, errorCode: UInt32) -> Int32 {
        guard let stream = streams.remove(streamID) else { return 0 }
        returnWindow(streamID, stream.unconsumedBytes)
        stream.unconsumedBytes = 0
        if stream.response.abandon() {
            logger(for: stream).debug("stream closed by the client before the call ended", metadata: [
                "http2_error": "\(errorCode)"])
            stream.abandon()
            if stream.route != nil { configuration.callFinished?(stream.route?.label, .cancelled) }
        } else {
            stream.deadlineTimer?.cancel()
            stream.writeWaiter?.fail(CancellationError())
        }
        return 0
    }
}
