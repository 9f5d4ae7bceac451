import CNGHTTP2
import NGHTTP2Session
import NIOCore
import RPCProtocol

/// The request side: opening a stream per call, its body, local cancellation and deadlines.
extension HTTP2ClientConnection {
    /// Submits the request (headers and one framed message, then END_STREAM) and returns the
    /// stream's id; nil when no stream could be opened, in which case `handler` has finished.
    func startCall(path: String, body: ByteBuffer, deadline: CallDeadline?, handler: ResponseHandler) -> Int32? {
        guard acceptsCalls, let session else {
            handler.finish(refusal)
            return nil
        }
        if let deadline, deadline.hasPassed() {
            handler.finish(deadline.exceededError)
            return nil
        }
        let headers = RequestHeaders(path: path, authority: authority, timeout: deadline?.grpcTimeout(),
                                     metadata: callMetadata)
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil),
                                             read_callback: SessionCallbacks.readBody)
        let id = HeaderBlock(headers.fields).withNameValuePairs { pairs, count in
            nghttp2_submit_request(session, nil, pairs, count, &provider, nil)
        }
        guard id > 0 else {
            // Stream ids run out after 2^30 calls on one connection: a fresh one continues.
            if id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE.rawValue { markUnusable() }
            handler.finish(RPCError(.unavailable, "could not open a stream to \(authority): "
                + String(cString: nghttp2_strerror(id))))
            return nil
        }
        let stream = ClientStream(id: id, requestBody: body, handler: handler, maxMessageSize: maxMessageSize)
        streams[id] = stream
        if let deadline {
            let bound = loopBound
            stream.deadlineTimer = eventLoop.scheduleTask(deadline: deadline.instant) {
                bound.value.cancelCall(id, error: deadline.exceededError)
            }
        }
        flush()
        return id
    }

    /// Why a new call cannot start here: the reason the connection ended if it has, otherwise
    /// that the server is going away (GOAWAY) or that the session never started.
    private var refusal: RPCError {
        if let closeReason { return closeReason }
        if session == nil { return acceptsCalls ? RPCError(.unavailable, "the connection to \(authority) is not open") : closeError }
        return RPCError(.unavailable, "the server at \(authority) is shutting down (GOAWAY)")
    }

    /// Ends a call from the client's side: the caller stopped listening, or its deadline
    /// passed. RST_STREAM(CANCEL) tells the server to stop generating for it.
    func cancelCall(_ id: Int32, error: RPCError) {
        guard let stream = streams[id], !stream.isFinished else { return }
        stream.finish(error)
        reset(stream)
        flush()
    }

    /// Resets a stream with CANCEL; safe inside nghttp2 callbacks (submit, no send).
    func reset(_ stream: ClientStream) {
        guard let session else { return }
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, NGHTTP2_CANCEL.rawValue)
    }

    /// nghttp2 asks for up to `length` bytes of a request body; the body is complete from the
    /// start, so its end is also the end of the stream (half-close).
    func readBody(_ id: Int32, into buffer: UnsafeMutablePointer<UInt8>, length: Int,
                         flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let stream = streams[id] else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        let count = min(length, stream.requestBody.readableBytes)
        if count > 0 {
            stream.requestBody.readWithUnsafeReadableBytes { bytes in
                if let base = bytes.baseAddress {
                    UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: count)
                }
                return count
            }
        }
        if stream.requestBody.readableBytes == 0 {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
        }
        return count
    }
}
