import ServiceLifecycle

/// The gateway in a `ServiceGroup`: bound beforehand by `start`, it serves until the group shuts
/// down gracefully, then lets responses in flight finish within `shutdownGrace`.
extension HTTPGateway: Service, CustomStringConvertible {
    /// How service-lifecycle names it in its log lines.
    package var description: String { "HTTPGateway" }

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
