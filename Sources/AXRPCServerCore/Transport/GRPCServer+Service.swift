import ServiceLifecycle

/// The gRPC server in a `ServiceGroup`: bound beforehand by `start`, it serves until the group
/// shuts down gracefully, then finishes open calls within `shutdownGrace`.
extension GRPCServer: Service, CustomStringConvertible {
    /// How service-lifecycle names it in its log lines.
    package var description: String { "GRPCServer" }

    package func run() async throws {
        do {
            try await gracefulShutdown()
            await shutdown(grace: shutdownGrace)
        } catch {
            // Cancelled: no grace.
            await shutdown(grace: .zero)
        }
    }
}
