import AXRPCSecurity
import AXRPCFrontEnd
import Logging
import NIOCore
import NIOHTTP1
import RuntimeBridge

/// The HTTP/1.1 face of the server: Ollama's and OpenAI's APIs, probes and `/metrics`, on one
/// port, all calling the same `InferenceEngine` as the gRPC services, so that HTTP and gRPC
/// callers share one queue, one cancellation path and one set of statistics.
///
/// HTTP parsing, keep-alive and pipelining are NIOHTTP1's (`configureHTTPServerPipeline`); the
/// gateway adds one handler per connection (`GatewayChannelHandler`) that hands each request to
/// the router in a Task.
package final class HTTPGateway: Sendable {
    private let group: any EventLoopGroup
    private let router: GatewayRouter
    private let logger: Logger
    private let listener = QuiescingListener()
    /// Requests being answered; shutdown waits for them.
    package let calls = CallTracker()
    /// How long responses in flight may run once a graceful shutdown began (`run()` as a `Service`).
    package let shutdownGrace: Duration
    private let tls: TLSContextStore?
    private let limits: GatewayLimits

    package init(engine: any InferenceEngine, info: ServerInfo, group: any EventLoopGroup, logger: Logger,
                 metrics: (any GatewayMetricsExporter)? = nil, cors: CORSPolicy = CORSPolicy(),
                 access: AccessPolicy = .open, tls: TLSContextStore? = nil, limits: GatewayLimits = GatewayLimits(),
                 shutdownGrace: Duration = .seconds(5)) {
        self.shutdownGrace = shutdownGrace
        self.group = group
        self.tls = tls
        self.limits = limits
        self.logger = logger
        router = GatewayRouter(context: GatewayContext(engine: engine, info: info, logger: logger, metrics: metrics,
                                                       cors: cors, access: access))
    }

    /// Binds and returns the bound address (port 0 becomes a free one; the CLI uses 0 for "off"
    /// and never calls this then).
    package func start(host: String, port: Int) async throws -> SocketAddress {
        let router = self.router
        let logger = self.logger
        let calls = self.calls
        let tls = self.tls
        let limits = self.limits
        let counter = ConnectionCounter()
        let address = try await listener.bind(group: group, host: host, port: port) { channel in
            if let tls { try TLSPipeline.addForHTTP(channel, store: tls, logger: logger) }
            guard try ConnectionGuards.install(channel, limits: limits.connections, counter: counter, kind: .http,
                                               logger: logger) else { return }
            let pipeline = channel.pipeline.syncOperations
            // Malformed requests get NIOHTTP1's 400 and a close; pipelined requests are held
            // until the previous response has ended.
            try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
            try pipeline.addHandler(HeaderLimitHandler(maxHeaderListBytes: limits.maxHeaderListBytes, logger: logger))
            try pipeline.addHandler(GatewayChannelHandler(router: router, logger: logger, calls: calls,
                                                          maxBodyBytes: limits.maxBodyBytes))
        }
        logger.info("serving HTTP (Ollama and OpenAI APIs, /healthz, /readyz, /metrics)",
                    metadata: ["address": "\(host):\(address.port ?? port)"])
        return address
    }

    /// Stops accepting, lets responses in flight finish for up to `grace`, then closes what is
    /// left; closing a connection cancels its generation like any client disconnect.
    package func shutdown(grace: Duration = .seconds(5)) async {
        logger.info("shutting down the HTTP gateway", metadata: ["open_connections": "\(listener.openConnectionCount)"])
        // HTTPServerPipelineHandler closes idle connections at once and busy ones after their
        // current response.
        await listener.shutdown(grace: grace)
        await calls.waitUntilIdle()
    }
}
