import NGHTTP2Session

/// The response side of one call, as a state machine: what has gone out (nothing, HEADERS with
/// a body, the status) and whether nghttp2 waits for `resume_data`. Each method takes an event
/// and returns what the connection must do, so every path through a call is one transition
/// here, testable without nghttp2 or sockets (as swift-nio-http2's `StreamStateMachine`).
struct ResponseStateMachine {
    private enum State {
        /// Nothing sent: the status may still go out alone (Trailers-Only).
        case idle
        /// HEADERS went out with a data provider; messages flow. `deferred`: the provider ran
        /// dry and nghttp2 waits for `resume_data`.
        case streaming(deferred: Bool)
        /// The status is decided and waits behind the queued messages.
        case draining(trailers: HeaderBlock, deferred: Bool)
        /// The status went out, or the call was abandoned: nothing more is sent.
        case finished
    }

    private var state = State.idle

    init() {}

    /// The status is decided: later writes are refused and the status is sent once only.
    var isFinished: Bool {
        switch state {
        case .idle, .streaming: return false
        case .draining, .finished: return true
        }
    }

    /// What to do with a message just queued.
    enum MessageAction: Equatable {
        /// Submit the response HEADERS with a data provider (the first message).
        case submitHeaders
        /// The provider is waiting: `resume_data`.
        case resume
        /// The provider will find it.
        case none
        /// The call has ended; the writer learns it was cancelled.
        case refuse
    }

    mutating func messageQueued() -> MessageAction {
        switch state {
        case .idle:
            state = .streaming(deferred: false)
            return .submitHeaders
        case let .streaming(deferred):
            state = .streaming(deferred: false)
            return deferred ? .resume : .none
        case .draining, .finished:
            return .refuse
        }
    }

    /// What to do with the call's status.
    enum FinishAction: Equatable {
        /// Nothing was sent: one HEADERS with END_STREAM carries the status.
        case sendTrailersOnly(HeaderBlock)
        /// The status follows the messages; `resume` when the provider waits.
        case queueTrailers(resume: Bool)
        /// The status was decided already.
        case ignore
    }

    mutating func finish(with trailers: HeaderBlock) -> FinishAction {
        switch state {
        case .idle:
            state = .finished
            return .sendTrailersOnly(trailers)
        case let .streaming(deferred):
            state = .draining(trailers: trailers, deferred: false)
            return .queueTrailers(resume: deferred)
        case .draining, .finished:
            return .ignore
        }
    }

    /// The data provider found no bytes to send.
    enum DrainedAction: Equatable {
        /// Return `NGHTTP2_ERR_DEFERRED` until a message or the status comes.
        case deferData
        /// End the body (EOF, NO_END_STREAM) and submit these trailers.
        case sendTrailers(HeaderBlock)
        /// nghttp2 asks for a body that is over: fail the stream.
        case fail
    }

    mutating func providerDrained() -> DrainedAction {
        switch state {
        case .streaming:
            state = .streaming(deferred: true)
            return .deferData
        case let .draining(trailers, _):
            state = .finished
            return .sendTrailers(trailers)
        case .idle, .finished:
            return .fail
        }
    }

    /// A plain HTTP answer (405, 415) went out instead of a gRPC response.
    mutating func answeredWithoutBody() {
        state = .finished
    }

    /// The client or the connection went away. Returns whether the call was still running (its
    /// handler must be stopped and the call counted as cancelled).
    mutating func abandon() -> Bool {
        defer { state = .finished }
        return !isFinished
    }
}
