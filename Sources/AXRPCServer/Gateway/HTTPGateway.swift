import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import RuntimeBridge

/// The HTTP/1.1 face of the server: Ollama's and OpenAI's APIs, probes and `/metrics`, on one
/// port, all calling the same `InferenceEngine` as the gRPC services, so that HTTP and gRPC
/// callers share one queue, one cancellation path and one set of statistics.
///
/// HTTP parsing, keep-alive and pipelining are NIOHTTP1's (`configureHTTPServerPipeline`); the
/// gateway adds one handler per connection (`GatewayChannelHandler`) that hands each request to
/// the router in a Task.
final class HTTPGateway: Sendable {
    private let group: any EventLoopGroup
    private let router: GatewayRouter
    private let logger: Logger
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let serverChannel = NIOLockedValueBox<(any Channel)?>(nil)

    init(engine: any InferenceEngine, info: ServerInfo, group: any EventLoopGroup, logger: Logger,
         metrics: (any GatewayMetricsExporter)? = nil) {
        self.group = group
        self.logger = logger
        router = GatewayRouter(context: GatewayContext(engine: engine, info: info, logger: logger, metrics: metrics))
    }

    /// Binds and returns the bound address (port 0 becomes a free one; the CLI uses 0 for "off"
    /// and never calls this then).
    func start(host: String, port: Int) async throws -> SocketAddress {
        let router = self.router
        let logger = self.logger
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [weak self] channel in
                self?.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // Malformed requests get NIOHTTP1's 400 and a close; pipelined requests are
                    // held until the previous response has ended.
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(GatewayChannelHandler(router: router, logger: logger))
                }
            }
            .bind(host: host, port: port)
            .get()
        serverChannel.withLockedValue { $0 = channel }
        guard let address = channel.localAddress else {
            throw ServerStartError(message: "the HTTP gateway's listening socket has no local address")
        }
        logger.info("serving HTTP (Ollama and OpenAI APIs, /healthz, /readyz, /metrics)",
                    metadata: ["address": "\(host):\(address.port ?? port)"])
        return address
    }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        connections.withLockedValue { $0[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.connections.withLockedValue { $0.removeValue(forKey: key) }
        }
    }

    /// Stops accepting, lets responses in flight finish for up to `grace`, then closes what is
    /// left; closing a connection cancels its generation like any client disconnect.
    func shutdown(grace: Duration = .seconds(5)) async {
        let listener = serverChannel.withLockedValue { channel -> (any Channel)? in
            defer { channel = nil }
            return channel
        }
        try? await listener?.close()
        let open = connections.withLockedValue { Array($0.values) }
        logger.info("shutting down the HTTP gateway", metadata: ["open_connections": "\(open.count)"])
        // HTTPServerPipelineHandler closes idle connections at once and busy ones after their
        // current response.
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
