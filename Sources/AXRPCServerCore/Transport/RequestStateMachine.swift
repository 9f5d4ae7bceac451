import NIOCore
import RPCProtocol

/// The request side of one call, as a state machine: whether the call has been routed, whether
/// its one message (unary, server streaming) has come, whether a streaming handler still takes
/// messages. Each method takes an event from the client and returns what the connection must do,
/// so the rules "exactly one message", "no message cut in half" and "nothing after the end" are
/// one transition each, testable without nghttp2 or sockets (as swift-nio-http2's
/// `StreamStateMachine`). Its twin for what goes out is `ResponseStateMachine`.
struct RequestStateMachine {
    private enum State {
        /// Headers are arriving; the call is not validated and routed yet.
        case receivingHeaders
        /// A single-message call waits for its message and the client's half-close; `message` is
        /// the one received so far.
        case collectingMessage(ByteBuffer?)
        /// A streaming call: its handler runs and takes messages as they come.
        case streaming
        /// Nothing more is read: the handler has its whole request, or the call was refused,
        /// finished or reset.
        case closed
    }

    private var state = State.receivingHeaders

    init() {}

    /// Why a request is refused; the connection turns it into a status naming the method.
    enum Refusal: Equatable, Sendable {
        /// A single-message call half-closed without a message.
        case noMessage
        /// A single-message call sent a second message.
        case extraMessage
        /// The client half-closed in the middle of a message.
        case truncatedMessage

        /// The status the client gets for a call to `path`.
        func error(path: String) -> RPCError {
            switch self {
            case .noMessage:
                return RPCError(.unimplemented, "\(path) takes exactly one request message, got none")
            case .extraMessage:
                return RPCError(.unimplemented, "\(path) takes exactly one request message")
            case .truncatedMessage:
                return RPCError(.internalError, "the request ended in the middle of a message")
            }
        }
    }

    /// Whether DATA bytes are still read (deframed and delivered or held). When not, their
    /// flow-control window goes back at once, since nobody will take them.
    var readsBody: Bool {
        switch state {
        case .collectingMessage, .streaming: return true
        case .receivingHeaders, .closed: return false
        }
    }

    /// What to do once the headers have been validated and a route found.
    enum RoutedAction: Equatable, Sendable {
        /// A streaming method: start the handler now, with the inbound message stream.
        case startStreamingHandler
        /// A single-message method: wait for the message and the half-close.
        case awaitMessage
        /// The request is already over (it was refused or reset): do nothing.
        case ignore
    }

    mutating func routed(_ kind: RPCMethodKind) -> RoutedAction {
        guard case .receivingHeaders = state else { return .ignore }
        switch kind {
        case .unary, .serverStreaming:
            state = .collectingMessage(nil)
            return .awaitMessage
        case .bidirectionalStreaming:
            state = .streaming
            return .startStreamingHandler
        }
    }

    /// What to do with a complete request message.
    enum MessageAction: Equatable, Sendable {
        /// Give it to the running streaming handler.
        case deliver(ByteBuffer)
        /// Kept until the half-close starts the handler.
        case hold
        /// End the call with this status (and stop reading).
        case refuse(Refusal)
        /// The request is not read (any more): drop it.
        case discard
    }

    mutating func messageReceived(_ message: ByteBuffer) -> MessageAction {
        switch state {
        case .collectingMessage(nil):
            state = .collectingMessage(message)
            return .hold
        case .collectingMessage(.some):
            state = .closed
            return .refuse(.extraMessage)
        case .streaming:
            return .deliver(message)
        case .receivingHeaders, .closed:
            return .discard
        }
    }

    /// What to do when the client half-closes (END_STREAM).
    enum EndAction: Equatable, Sendable {
        /// A single-message call is complete: start its handler with this message.
        case startHandler(ByteBuffer)
        /// A streaming call's messages end: finish the handler's inbound stream.
        case finishInbound
        /// End the call with this status.
        case refuse(Refusal)
        /// Nothing to do: the request was over already, or was never routed (refused by its
        /// headers).
        case ignore
    }

    /// - Parameter partialMessage: the deframer holds the start of a message that never ended.
    mutating func endOfStream(partialMessage: Bool) -> EndAction {
        let previous = state
        state = .closed
        switch previous {
        case .receivingHeaders, .closed:
            return .ignore
        case _ where partialMessage:
            return .refuse(.truncatedMessage)
        case .collectingMessage(nil):
            return .refuse(.noMessage)
        case let .collectingMessage(.some(message)):
            return .startHandler(message)
        case .streaming:
            return .finishInbound
        }
    }

    /// What to do when the request stops being read before its end: the call was refused or
    /// finished by the server, or the client or the connection reset the stream.
    enum CloseAction: Equatable, Sendable {
        /// A streaming handler may still wait for messages: end its inbound stream.
        case finishInbound
        /// Nothing is waiting on the request.
        case none
    }

    mutating func close() -> CloseAction {
        let previous = state
        state = .closed
        if case .streaming = previous { return .finishInbound }
        return .none
    }
}
