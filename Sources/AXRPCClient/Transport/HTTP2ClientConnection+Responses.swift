import CNGHTTP2
import NGHTTP2Session
import NIOCore
import RPCProtocol

/// The response side, called by nghttp2 from inside `mem_recv`/`mem_send`: header blocks,
/// DATA reassembled into messages, the end of each stream, GOAWAY.
extension HTTP2ClientConnection {
    func headersBegan(_ frame: FrameEvent) -> Int32 {
        if let stream = streams[frame.streamID] { stream.currentBlock.removeAll() }
        return 0
    }

    func header(_ frame: FrameEvent, name: UnsafeBufferPointer<UInt8>,
                value: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard let stream = streams[frame.streamID], !stream.isFinished else { return 0 }
        // RFC 9113 counts 32 octets of overhead per field; nghttp2 1.52 enforces no limit itself.
        stream.headerListSize += name.count + value.count + 32
        if stream.headerListSize > ClientStream.maxHeaderListSize {
            stream.pendingError = RPCError(.internalError, "the response headers exceed \(ClientStream.maxHeaderListSize) bytes")
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
        }
        stream.currentBlock.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        return 0
    }

    func frameReceived(_ frame: FrameEvent) -> Int32 {
        if frame.kind == .goaway {
            // Streams above the last id the server processed are closed by nghttp2 with
            // REFUSED_STREAM; new calls must go to a new connection.
            markUnusable()
            return 0
        }
        guard let stream = streams[frame.streamID], !stream.isFinished else { return 0 }
        let endStream = frame.endStream
        if frame.kind == .headers {
            let block = stream.currentBlock
            stream.currentBlock = []
            if stream.head == nil {
                let status = block.first { $0.name == ":status" }?.value ?? ""
                // 1xx (e.g. 100 Continue) precedes the real response; it has no meaning for gRPC.
                if status.hasPrefix("1"), !endStream { return 0 }
                stream.head = block
            } else {
                stream.trailers = block
            }
        }
        if endStream {
            complete(stream)
        }
        return 0
    }

    func dataReceived(_ id: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let stream = streams[id], !stream.isFinished, let head = stream.head,
              Self.carriesMessages(head) else {
            // The body of a non-gRPC response (an HTML error page...) is not a message stream;
            // the status at its end explains the failure.
            return 0
        }
        stream.deframer.append(bytes)
        do {
            while let message = try stream.deframer.next() {
                if let error = stream.deliver(message) {
                    fail(stream, error)
                    return 0
                }
            }
        } catch {
            fail(stream, error as? RPCError ?? RPCError(.internalError, "could not read the response: \(error)"))
        }
        return 0
    }

    func frameNotSent(_ frame: FrameEvent, libraryError: Int32) -> Int32 {
        // A request that never left (GOAWAY arrived first, the session is closing): nghttp2 may
        // not report a stream close for it, so it ends here.
        guard frame.kind == .headers, let stream = streams.removeValue(forKey: frame.streamID) else { return 0 }
        stream.finish(RPCError(.unavailable, "the request was not sent to \(authority): "
            + String(cString: nghttp2_strerror(libraryError))))
        return 0
    }

    func streamClosed(_ id: Int32, errorCode: UInt32) -> Int32 {
        guard let stream = streams.removeValue(forKey: id) else { return 0 }
        if let pending = stream.pendingError {
            stream.finish(pending)
        } else {
            // No END_STREAM from the server: it reset the stream (or nghttp2 did, for a protocol
            // violation) before sending a status.
            stream.finish(CallStatus.error(forResetCode: errorCode))
        }
        return 0
    }

    /// The server ended the stream: the status decides, unless the last message was cut off.
    private func complete(_ stream: ClientStream) {
        if let pending = stream.pendingError {
            stream.finish(pending)
            return
        }
        guard let head = stream.head else {
            stream.finish(RPCError(.internalError, "the server ended the stream without response headers"))
            return
        }
        let outcome = CallStatus.outcome(head: head, trailers: stream.trailers)
        if outcome == nil, stream.deframer.hasPartialMessage {
            stream.finish(RPCError(.internalError, "the response ended in the middle of a message"))
        } else {
            stream.finish(outcome)
        }
    }

    /// Ends a call on a client-side error inside a callback and tells the server to stop.
    private func fail(_ stream: ClientStream, _ error: RPCError) {
        stream.finish(error)
        reset(stream)
    }

    private static func carriesMessages(_ head: [(name: String, value: String)]) -> Bool {
        head.contains { $0.name == ":status" && $0.value == "200" }
            && head.contains { $0.name == "content-type" && $0.value.lowercased().hasPrefix("application/grpc") }
    }
}
