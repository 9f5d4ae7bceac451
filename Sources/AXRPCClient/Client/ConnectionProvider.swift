import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import RPCProtocol

/// A live connection as calls see it: the channel, and the session bound to its event loop.
struct ConnectionHandle: Sendable {
    let channel: any Channel
    let connection: NIOLoopBound<HTTP2ClientConnection>
}

/// Dials the server once and shares that connection among every call (they multiplex on its
/// streams); dials again on the next call after it is lost or the server sent GOAWAY.
final class ConnectionProvider: Sendable {
    private enum State {
        case idle
        /// Connecting or connected; `generation` tells a stale loss report from a current one.
        case active(EventLoopFuture<ConnectionHandle>, generation: Int)
        case closed
    }

    let address: ServerAddress
    private let group: any EventLoopGroup
    private let connectTimeout: TimeAmount
    private let state = NIOLockedValueBox<(state: State, generation: Int)>((.idle, 0))

    private let security: ClientSecurity

    init(address: ServerAddress, group: any EventLoopGroup, connectTimeout: TimeAmount = .seconds(10),
         security: ClientSecurity = ClientSecurity()) {
        self.address = address
        self.group = group
        self.connectTimeout = connectTimeout
        self.security = security
    }

    /// The shared connection, dialling it if there is none. Fails with
    /// `RPCError(.unavailable, "cannot connect to HOST:PORT: ...")`.
    func connection() -> EventLoopFuture<ConnectionHandle> {
        let eventLoop = group.next()
        typealias Outcome = (future: EventLoopFuture<ConnectionHandle>?, dial: (EventLoopPromise<ConnectionHandle>, Int)?)
        let outcome: Outcome = state.withLockedValue { box in
            switch box.state {
            case .active(let future, _):
                return (future, nil)
            case .closed:
                return (nil, nil)
            case .idle:
                box.generation += 1
                let promise = eventLoop.makePromise(of: ConnectionHandle.self)
                box.state = .active(promise.futureResult, generation: box.generation)
                return (promise.futureResult, (promise, box.generation))
            }
        }
        guard let future = outcome.future else {
            return eventLoop.makeFailedFuture(RPCError(.unavailable, "the client is closed"))
        }
        // Dialled outside the lock: future callbacks may run synchronously and take it again.
        if let (promise, generation) = outcome.dial {
            dial(on: eventLoop, generation: generation).cascade(to: promise)
            future.whenFailure { [weak self] _ in self?.forget(generation) }
        }
        return future
    }

    /// How many connections were dialled so far (a test checks that calls share one).
    var dialCount: Int { state.withLockedValue { $0.generation } }

    /// Closes the connection (GOAWAY first) and refuses new calls; open calls end CANCELLED.
    func close() async {
        let current: EventLoopFuture<ConnectionHandle>? = state.withLockedValue { box in
            defer { box.state = .closed }
            if case .active(let future, _) = box.state { return future }
            return nil
        }
        guard let current, let handle = try? await current.get() else { return }
        handle.channel.eventLoop.execute { handle.connection.value.shutdown() }
        try? await handle.channel.closeFuture.get()
    }

    private func dial(on eventLoop: any EventLoop, generation: Int) -> EventLoopFuture<ConnectionHandle> {
        let address = address
        let metadata = security.callMetadata
        let tls: NIOSSLContext?
        do {
            tls = try security.makeContext()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = HTTP2ClientConnection(eventLoop: channel.eventLoop, authority: address.description)
                    connection.callMetadata = metadata
                    if let tls { try channel.pipeline.syncOperations.addHandler(ClientSecurity.handler(context: tls, host: address.host)) }
                    try channel.pipeline.syncOperations.addHandler(ClientChannelHandler(connection: connection))
                }
            }
        return bootstrap.connect(host: address.host, port: address.port)
            .flatMapThrowing { [weak self] channel in
                let handler = try channel.pipeline.syncOperations.handler(type: ClientChannelHandler.self)
                handler.startIfActive()
                let connection = handler.connection
                connection.onUnusable = { self?.forget(generation) }
                // A connection that died before this ran never calls onUnusable.
                if !connection.acceptsCalls { self?.forget(generation) }
                return ConnectionHandle(channel: channel, connection: connection.loopBound)
            }
            .flatMapErrorThrowing { error in
                if error is RPCError { throw error }
                throw RPCError(.unavailable, "cannot connect to \(address): \(NetworkErrorText.describe(error))")
            }
    }

    /// The connection of `generation` is lost or draining: the next call dials anew.
    private func forget(_ generation: Int) {
        state.withLockedValue { box in
            if case .active(_, let current) = box.state, current == generation { box.state = .idle }
        }
    }
}
