import ServiceLifecycle

/// A front end (the gRPC server, the HTTP gateway) as a service of a `ServiceGroup`: bound
/// beforehand by its own `start`, it serves until the group shuts down gracefully, then lets the
/// calls in flight finish within `shutdownGrace`; cancelled, it closes at once.
package protocol GracefulFrontEnd: Service, CustomStringConvertible {
    /// How long calls in flight may go on after a graceful shutdown began.
    var shutdownGrace: Duration { get }
    /// Stops accepting, lets calls finish within `grace`, then closes what is left.
    func shutdown(grace: Duration) async
}

extension GracefulFrontEnd {
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
