import CNGHTTP2
import NGHTTP2Session
import NIOCore
import RPCProtocol

/// One HTTP/2 connection to the server: an nghttp2 client session fed with `mem_recv` and
/// drained with `mem_send`, and the calls on its streams. Confined to its event loop; callers
/// on other threads reach it through `NIOLoopBound`.
final class HTTP2ClientConnection: SessionEvents {
    let eventLoop: any EventLoop
    /// `host:port`, for `:authority` and error messages.
    let authority: String
    /// Sent with every call (the bearer key).
    var callMetadata = Metadata()
    let maxMessageSize: Int
    weak var output: (any SessionTransport)?

    var session: OpaquePointer?
    /// nghttp2's `user_data`: lives as long as the session.
    private var relay: SessionEventRelay?
    var streams: [Int32: ClientStream] = [:]
    /// Whether new calls may open streams here: not after GOAWAY, a close or a protocol error.
    private(set) var acceptsCalls = true
    /// Called once when `acceptsCalls` turns false, so that the next call dials anew.
    var onUnusable: (() -> Void)?
    /// Why the connection ended, when something more precise than "closed" is known.
    private(set) var closeReason: RPCError?
    /// nghttp2's words for the last protocol problem, e.g. that the peer did not start with
    /// SETTINGS (it is not an HTTP/2 server); the reason if the session then ends.
    private var lastSessionError: String?

    init(eventLoop: any EventLoop, authority: String, maxMessageSize: Int = MessageDeframer.defaultMaxMessageSize) {
        self.eventLoop = eventLoop
        self.authority = authority
        self.maxMessageSize = maxMessageSize
    }

    /// The status of calls still open when the socket goes away.
    var closeError: RPCError {
        closeReason ?? RPCError(.unavailable, "the connection to \(authority) was closed")
    }

    /// Keeps the first reason: later ones (the close that follows an error) say less.
    func noteFailure(_ error: RPCError) {
        if closeReason == nil { closeReason = error }
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    var loopBound: NIOLoopBound<HTTP2ClientConnection> { NIOLoopBound(self, eventLoop: eventLoop) }

    /// Creates the session and queues the preface and our SETTINGS (h2c with prior knowledge:
    /// every gRPC server speaks it, and there is no HTTP/1.1 upgrade round trip).
    func start() -> Bool {
        guard session == nil, let callbacks = SessionCallbacks.make() else { return false }
        defer { nghttp2_session_callbacks_del(callbacks) }
        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0 else { return false }
        defer { nghttp2_option_del(option) }
        // The CVE mitigations a server needs protect a client from a hostile server just as well.
        nghttp2_option_set_max_continuations(option, 8)
        nghttp2_option_set_max_settings(option, 32)
        nghttp2_option_set_max_outbound_ack(option, 1000)
        let relay = SessionEventRelay(owner: self)
        self.relay = relay
        let userData = relay.userData
        guard nghttp2_session_client_new2(&session, callbacks, userData, option) == 0 else { return false }
        let settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
            // Generation streams are small but many may run at once; a larger window avoids a
            // WINDOW_UPDATE round trip per 64 KiB on big responses.
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: 1 << 20),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                                   value: UInt32(ClientStream.maxHeaderListSize)),
        ]
        guard let session, SessionOutput.open(session, settings: settings, connectionWindow: 1 << 24) else { return false }
        flush()
        return true
    }

    /// Feeds bytes from the socket to nghttp2, which calls back into the stream code.
    func receive(_ buffer: ByteBuffer) {
        guard let session else { return }
        if let failure = SessionOutput.receive(buffer, into: session) {
            // Most likely not an HTTP/2 server at all (e.g. an HTTP/1.1 port).
            noteFailure(RPCError(.unavailable, "HTTP/2 protocol error from \(authority): "
                + SessionOutput.describe(failure)))
            markUnusable()
            flush()
            output?.close()
        }
    }

    /// Writes everything nghttp2 has to send while the socket takes it. Never call it from
    /// inside an nghttp2 callback: `mem_send` is not reentrant.
    func flush() {
        guard let session, let output else { return }
        if let failure = SessionOutput.send(session, to: output) {
            noteFailure(RPCError(.unavailable, "HTTP/2 session to \(authority) failed: " + SessionOutput.describe(failure)))
            markUnusable()
            output.close()
            return
        }
        // nghttp2 is done with the connection: GOAWAY exchanged and every stream closed.
        if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0 {
            noteFailure(RPCError(.unavailable, lastSessionError.map { "HTTP/2 protocol error from \(authority): \($0)" }
                ?? "the server at \(authority) closed the connection (GOAWAY)"))
            markUnusable()
            output.close()
        }
    }

    /// The client is closing: GOAWAY, then the socket closes once it is sent; open calls end
    /// with CANCELLED rather than UNAVAILABLE because it was our choice.
    func shutdown() {
        closeReason = RPCError(.cancelled, "the client was closed")
        markUnusable()
        for stream in streams.values { stream.finish(closeError) }
        guard let session else {
            output?.close()
            return
        }
        nghttp2_session_terminate_session(session, NGHTTP2_NO_ERROR.rawValue)
        flush()
    }

    /// The socket is gone: every call still open fails with `closeError`.
    func connectionClosed() {
        markUnusable()
        let open = streams.values
        streams.removeAll()
        for stream in open { stream.finish(closeError) }
        if let session {
            nghttp2_session_del(session)
            self.session = nil
        }
    }

    func sessionError(_ message: String) {
        lastSessionError = message
    }

    func markUnusable() {
        guard acceptsCalls else { return }
        acceptsCalls = false
        let callback = onUnusable
        onUnusable = nil
        callback?()
    }
}
