import NIOConcurrencyHelpers
import NIOCore
import RPCProtocol

/// Links a call's consumer, which may stop listening at any time and on any thread, to its
/// stream, which exists only on the event loop and only once the connection is up. Whichever
/// comes second acts: a cancel before the stream opens means it never opens.
final class CallCancellation: Sendable {
    private enum State {
        case pending
        case started(NIOLoopBound<HTTP2ClientConnection>, streamID: Int32)
        case cancelled
    }

    private let state = NIOLockedValueBox(State.pending)

    /// Runs `open` (on the connection's event loop) unless the call was cancelled already.
    /// Holding the lock across `open` keeps a concurrent cancel from slipping in between.
    /// - Returns: false when cancelled before the stream could open.
    func start(_ connection: NIOLoopBound<HTTP2ClientConnection>, open: () -> Int32?) -> Bool {
        state.withLockedValue { state in
            guard case .pending = state else { return false }
            if let id = open() { state = .started(connection, streamID: id) }
            return true
        }
    }

    /// The consumer went away: reset the stream (RST_STREAM CANCEL), or make sure it never opens.
    func cancel() {
        let previous = state.withLockedValue { state in
            defer { state = .cancelled }
            return state
        }
        guard case .started(let connection, let id) = previous else { return }
        // Always a hop, even on the loop: this may run inside an nghttp2 callback (a finished
        // stream's termination), where sending is not allowed.
        connection.eventLoop.execute {
            connection.value.cancelCall(id, error: RPCError(.cancelled, "the call was cancelled by the client"))
        }
    }
}
