import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A listening socket that remembers its open connections, so that shutdown can ask each to
/// quiesce (`ChannelShouldQuiesceEvent`: GOAWAY for HTTP/2, close-after-response for HTTP/1.1)
/// and close whatever is still open when the grace period ends. Shared by the gRPC server and
/// the HTTP gateway.
package final class QuiescingListener: Sendable {
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let serverChannel = NIOLockedValueBox<(any Channel)?>(nil)

    package init() {}

    /// Binds with the options both servers use; `initialize` sets up each accepted connection.
    package func bind(group: any EventLoopGroup, host: String, port: Int,
              initialize: @escaping @Sendable (any Channel) throws -> Void) async throws -> SocketAddress {
        let channel = try await ServerBootstrap(group: group)
            // A burst of connects (h2load -c 500, a fleet reconnecting after a restart) overflowed a
            // backlog of 256 accepted 4 at a time: dropped SYNs, each retried by the client after
            // a second. The kernel caps the backlog at net.core.somaxconn (as grpc++ asks for).
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.maxMessagesPerRead, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [weak self] channel in
                self?.track(channel)
                return channel.eventLoop.makeCompletedFuture { try initialize(channel) }
            }
            .bind(host: host, port: port)
            .get()
        serverChannel.withLockedValue { $0 = channel }
        guard let address = channel.localAddress else {
            throw ServerStartError(message: "the listening socket has no local address")
        }
        return address
    }

    package var openConnectionCount: Int { connections.withLockedValue { $0.count } }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        connections.withLockedValue { $0[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.connections.withLockedValue { $0.removeValue(forKey: key) }
        }
    }

    /// Stops accepting, asks every connection to quiesce, waits up to `grace` for them to close,
    /// then closes the rest.
    package func shutdown(grace: Duration) async {
        let listener = serverChannel.withLockedValue { channel -> (any Channel)? in
            defer { channel = nil }
            return channel
        }
        try? await listener?.close()
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = ContinuousClock.now.advanced(by: grace)
        for channel in open {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining > .zero {
                let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(remaining.nanoseconds)) {
                    channel.close(promise: nil)
                }
                try? await channel.closeFuture.get()
                timer.cancel()
            } else {
                try? await channel.close()
            }
        }
    }
}
