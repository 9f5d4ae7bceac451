import NIOCore
import NIOHTTP1
import NIOPosix

/// The emulator's listening socket and the single-threaded event loop that runs both HTTP and the engine
/// (one loop: handlers call the engine directly, never across threads).
final class EmulatorHTTPServer: Sendable {
    /// The bound port (the chosen one when started with port 0).
    let port: Int
    private let channel: Channel
    private let group: MultiThreadedEventLoopGroup

    private init(port: Int, channel: Channel, group: MultiThreadedEventLoopGroup) {
        self.port = port
        self.channel = channel
        self.group = group
    }

    /// Creates the engine on the loop and starts listening on `host:port`.
    static func start(
        host: String,
        port: Int,
        configuration: EngineConfiguration,
        limits: ConnectionLimits = ConnectionLimits(),
        console: EngineConsole,
        hooks: EngineHooks
    ) async throws -> EmulatorHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        do {
            let engine = try await loop.submit {
                let clock = EventLoopClock(eventLoop: loop)
                let engine = RuntimeEngine(configuration: configuration, clock: clock, console: console, hooks: hooks)
                return NIOLoopBound(engine, eventLoop: loop)
            }.get()
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.configureHTTPServerPipeline(withErrorHandling: true)
                        try sync.addHandler(HTTPConnectionHandler(router: EmulatorRouter(engine: engine.value), limits: limits))
                    }
                }
                .bind(host: host, port: port)
                .get()
            return EmulatorHTTPServer(port: channel.localAddress?.port ?? port, channel: channel, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Returns when the listening socket closes.
    func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }

    /// Stops listening and shuts the event loop down (open connections are dropped).
    func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}
