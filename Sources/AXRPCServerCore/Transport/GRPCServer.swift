import AXRPCSecurity
import AXRPCFrontEnd
import Logging
import NIOCore
import NIOPosix

/// Listens for h2c (prior knowledge) connections and serves the router's methods on each, one
/// nghttp2 session per connection. Shuts down with GOAWAY and a grace period.
package final class GRPCServer: Sendable {
    private let group: any EventLoopGroup
    private let router: Router
    private let configuration: TransportConfiguration
    private let logger: Logger
    private let listener = QuiescingListener()
    /// Handlers still running; shutdown waits for them.
    package let calls = CallTracker()
    /// How long open calls may run once a graceful shutdown began (`run()` as a `Service`).
    package let shutdownGrace: Duration

    package init(group: any EventLoopGroup, router: Router, configuration: TransportConfiguration = .init(),
                 logger: Logger, shutdownGrace: Duration = .seconds(5)) {
        self.shutdownGrace = shutdownGrace
        self.group = group
        self.router = router
        self.configuration = configuration
        self.logger = logger
    }

    /// Binds and returns the bound address (port 0 becomes a free port).
    package func start(host: String, port: Int) async throws -> SocketAddress {
        let router = self.router
        let configuration = self.configuration
        let logger = self.logger
        let calls = self.calls
        let counter = ConnectionCounter()
        return try await listener.bind(group: group, host: host, port: port) { channel in
            if let tls = configuration.tls { try TLSPipeline.addForGRPC(channel, store: tls, logger: logger) }
            guard try ConnectionGuards.install(channel, limits: configuration.connectionLimits, counter: counter,
                                               kind: .grpc, logger: logger) else { return }
            try channel.pipeline.syncOperations.addHandler(
                GRPCChannelHandler(configuration: configuration, router: router, logger: logger, calls: calls))
        }
    }

    /// Stops accepting, sends GOAWAY on every connection, waits up to `grace` for open calls to
    /// finish, then closes what is left and waits for the handlers that closing cancelled.
    package func shutdown(grace: Duration) async {
        logger.info("shutting down gRPC", metadata: ["open_connections": "\(listener.openConnectionCount)",
                                                     "grace": "\(grace)"])
        await listener.shutdown(grace: grace)
        await calls.waitUntilIdle()
    }
}
