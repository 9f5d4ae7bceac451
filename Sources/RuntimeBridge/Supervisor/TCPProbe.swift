import NIOCore
import NIOPosix

/// "Is anyone listening?" by opening and closing a TCP connection. The runtime has no health
/// endpoint, and `/api/stop` must never be used as one (it aborts a live generation).
enum TCPProbe {
    static func accepts(_ endpoint: RuntimeEndpoint, timeout: Duration = .seconds(1)) async -> Bool {
        let milliseconds = max(1, Int64(timeout.components.seconds * 1000
            + timeout.components.attoseconds / 1_000_000_000_000_000))
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(milliseconds))
        do {
            let channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}

/// A free local TCP port for a runtime that takes `--port N` (the emulator): bind port 0, read
/// the port the kernel chose, close. Another program could take it before the runtime binds it;
/// the runtime then fails to start and the next attempt picks another port.
enum FreePort {
    static func pick(host: String = "127.0.0.1") async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: 0).get()
        let port = channel.localAddress?.port
        try? await channel.close()
        guard let port else { throw ChannelError.unknownLocalAddress }
        return port
    }
}
