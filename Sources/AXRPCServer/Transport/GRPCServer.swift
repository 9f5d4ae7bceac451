import Logging
import NIOCore
import NIOPosix

/// Listens for h2c (prior knowledge) connections and serves the router's methods on each, one
/// nghttp2 session per connection. Shuts down with GOAWAY and a grace period.
final class GRPCServer: Sendable {
    private let group: any EventLoopGroup
    private let router: Router
    private let configuration: TransportConfiguration
    private let logger: Logger
    private let listener = QuiescingListener()

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
        let counter = ConnectionCounter()
        return try await listener.bind(group: group, host: host, port: port) { channel in
            if let tls = configuration.tls { try TLSPipeline.addForGRPC(channel, store: tls, logger: logger) }
            guard try ConnectionGuards.install(channel, limits: configuration.connectionLimits, counter: counter,
                                               kind: .grpc, logger: logger) else { return }
            try channel.pipeline.syncOperations.addHandler(
                GRPCChannelHandler(configuration: configuration, router: router, logger: logger))
        }
    }

    /// Stops accepting, sends GOAWAY on every connection, waits up to `grace` for open calls to
    /// finish, then closes what is left.
    func shutdown(grace: Duration) async {
        logger.info("shutting down", metadata: ["open_connections": "\(listener.openConnectionCount)",
                                                "grace": "\(grace)"])
        await listener.shutdown(grace: grace)
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
