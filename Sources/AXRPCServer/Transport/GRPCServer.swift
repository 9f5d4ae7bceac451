import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Listens for h2c (prior knowledge) connections and serves the router's methods on each, one
/// nghttp2 session per connection. Shuts down with GOAWAY and a grace period.
final class GRPCServer: Sendable {
    private let group: any EventLoopGroup
    private let router: Router
    private let configuration: TransportConfiguration
    private let logger: Logger
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let serverChannel = NIOLockedValueBox<(any Channel)?>(nil)

    init(group: any EventLoopGroup, router: Router, configuration: TransportConfiguration = .init(),
         logger: Logger) {
        self.group = group
        self.router = router
        self.configuration = configuration
        self.logger = logger
    }

    /// Binds and returns the bound address (port 0 becomes a free port).
    func start(host: String, port: Int) async throws -> SocketAddress {
        let router = self.router
        let configuration = self.configuration
        let logger = self.logger
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [weak self] channel in
                self?.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        GRPCChannelHandler(configuration: configuration, router: router, logger: logger))
                }
            }
            .bind(host: host, port: port)
            .get()
        serverChannel.withLockedValue { $0 = channel }
        guard let address = channel.localAddress else {
            throw ServerStartError(message: "the listening socket has no local address")
        }
        return address
    }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        connections.withLockedValue { $0[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.connections.withLockedValue { $0.removeValue(forKey: key) }
        }
    }

    /// Stops accepting, sends GOAWAY on every connection, waits up to `grace` for open calls to
    /// finish, then closes what is left.
    func shutdown(grace: Duration) async {
        let listener = serverChannel.withLockedValue { channel -> (any Channel)? in
            defer { channel = nil }
            return channel
        }
        try? await listener?.close()
        let open = connections.withLockedValue { Array($0.values) }
        logger.info("shutting down", metadata: ["open_connections": "\(open.count)", "grace": "\(grace)"])
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

/// The server could not start listening.
struct ServerStartError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
