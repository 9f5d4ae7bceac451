import AXRPCFrontEnd
import CNGHTTP2
import Logging
import NGHTTP2Session
import NIOCore
import RPCProtocol

/// One client connection: an nghttp2 server session fed with `mem_recv` and drained with
/// `mem_send`, and the gRPC calls on its streams. Confined to its event loop; handlers reach it
/// through `ResponseSink`, which hops here.
final class HTTP2ServerConnection: SessionEvents {
    let eventLoop: any EventLoop
    let configuration: TransportConfiguration
    let router: Router
    let peer: String
    var logger: Logger
    /// Names this connection in request ids: a call's id is `<tag>/<stream id>`, unique in the
    /// process without a lock or an allocation per call.
    let requestTag = RequestID.next()
    /// The server's running handlers, which its shutdown waits for.
    let calls: CallTracker
    weak var output: (any SessionTransport)?

    var session: OpaquePointer?
    /// nghttp2's `user_data`: lives as long as the session.
    private var relay: SessionEventRelay?
    var streams = StreamTable()
    /// Recent request header values, handed out again instead of decoded anew per call.
    var headerStrings = RequestHeaderStrings()
    /// The last method called here (see `route(for:)`).
    var lastRoute: RPCRoute?
    private var flushScheduled = false
    /// Inside `receive`: responses that handlers finish there (unary calls answered from memory) go
    /// out with the flush at its end, so they need no extra event-loop task each.
    private var receiving = false
    private var flushWanted = false
    private var shuttingDown = false
    private var goawaySent = false

    init(eventLoop: any EventLoop, configuration: TransportConfiguration, router: Router,
         peer: String, logger: Logger, calls: CallTracker = CallTracker()) {
        self.calls = calls
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.router = router
        self.peer = peer
        self.logger = logger
        self.logger[metadataKey: "peer"] = "\(peer)"
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    /// A handle for handlers on other threads.
    var loopBound: NIOLoopBound<HTTP2ServerConnection> { NIOLoopBound(self, eventLoop: eventLoop) }

    /// Creates the session and queues the server's SETTINGS.
    func start() -> Bool {
        guard let callbacks = SessionCallbacks.make() else { return false }
        defer { nghttp2_session_callbacks_del(callbacks) }
        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0 else { return false }
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_stream_reset_rate_limit(option, configuration.streamResetBurst, configuration.streamResetRate)
        nghttp2_option_set_max_continuations(option, 8)
        nghttp2_option_set_max_settings(option, 32)
        nghttp2_option_set_max_outbound_ack(option, 1000)
        nghttp2_option_set_max_deflate_dynamic_table_size(option, 4096)
        // Flow control by hand: received bytes count as consumed when a handler took them (see
        // `returnWindow`), not on receipt, so a streaming call's inbound side stays bounded.
        nghttp2_option_set_no_auto_window_update(option, 1)
        let relay = SessionEventRelay(owner: self)
        self.relay = relay
        let userData = relay.userData
        guard nghttp2_session_server_new2(&session, callbacks, userData, option) == 0 else { return false }
        let settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                                   value: configuration.maxConcurrentStreams),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                                   value: UInt32(configuration.maxHeaderListSize)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                                   value: 1 << 20),
        ]
        guard let session, SessionOutput.open(session, settings: settings, connectionWindow: 1 << 24) else { return false }
        flush()
        return true
    }

    /// Feeds bytes from the socket to nghttp2, which calls back into the request code.
    func receive(_ buffer: ByteBuffer) {
        guard let session else { return }
        receiving = true
        let failure = SessionOutput.receive(buffer, into: session)
        receiving = false
        let wanted = flushWanted
        flushWanted = false
        if let failure {
            logger.info("closing connection: HTTP/2 protocol error", metadata: [
                "error": "\(SessionOutput.describe(failure))"])
            flush()
            close()
        } else if wanted {
            flush()
        }
    }

    /// Writes everything nghttp2 has to send, as long as the socket takes it.
    func flush() {
        guard let session, let output else { return }
        if let failure = SessionOutput.send(session, to: output) {
            logger.warning("closing connection: nghttp2 could not send", metadata: ["error": "\(SessionOutput.describe(failure))"])
            close()
            return
        }
        if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0 {
            close()
        } else if goawaySent && streams.isEmpty && nghttp2_session_want_write(session) == 0 {
            close()
        }
    }

    /// Coalesces flushes requested by handlers into one per event-loop tick (or into the flush at
    /// the end of the `receive` that is running).
    func scheduleFlush() {
        if receiving {
            flushWanted = true
            return
        }
        guard !flushScheduled else { return }
        flushScheduled = true
        let bound = loopBound
        eventLoop.execute {
            bound.value.flushScheduled = false
            bound.value.flush()
        }
    }

    /// Server shutdown: tell the client to open no new streams; open ones may finish.
    func beginGracefulShutdown() {
        guard let session, !shuttingDown else { return }
        shuttingDown = true
        nghttp2_submit_shutdown_notice(session)
        flush()
        let bound = loopBound
        eventLoop.scheduleTask(in: configuration.goawayDelay) {
            bound.value.sendFinalGoaway()
        }
    }

    private func sendFinalGoaway() {
        guard let session, !goawaySent else { return }
        goawaySent = true
        let lastStream = nghttp2_session_get_last_proc_stream_id(session)
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), lastStream,
                              NGHTTP2_NO_ERROR.rawValue, nil, 0)
        flush()
    }

    /// The socket is gone (or going): every call still running is cancelled.
    func connectionClosed() {
        for stream in streams.all {
            let wasRunning = stream.response.abandon()
            if wasRunning { stream.abandon() }
        }
        streams.removeAll()
        if let session {
            nghttp2_session_del(session)
            self.session = nil
        }
    }

    private func close() {
        output?.close()
    }
}
