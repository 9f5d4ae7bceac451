import ServiceLifecycle

/// The gateway in a `ServiceGroup`: bound beforehand by `start`, it serves until the group shuts
/// down gracefully, then lets responses in flight finish within `shutdownGrace`.
extension HTTPGateway: Service {
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
