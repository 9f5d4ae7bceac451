import AXRPCFrontEnd
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// `--exit-on-runtime-failure`: returns once the runtime has been FAILED for the liveness grace,
/// which shuts the group down gracefully; `failed` then tells the command to exit with status 3.
/// Without a monitor it only waits for the shutdown.
package final class RuntimeFailureWatch: Service, Sendable, CustomStringConvertible {
    /// How service-lifecycle names it in its log lines.
    package var description: String { "RuntimeFailureWatch" }

    private let liveness: LivenessMonitor?
    private let logger: Logger
    private let outcome = NIOLockedValueBox(false)

    package init(liveness: LivenessMonitor?, logger: Logger) {
        self.liveness = liveness
        self.logger = logger
    }

    /// The runtime failed for good (rather than the group stopping for a signal).
    package var failed: Bool { outcome.withLockedValue { $0 } }

    package func run() async throws {
        guard let liveness else {
            try? await gracefulShutdown()
            return
        }
        guard let reason = await cancelWhenGracefulShutdown({ await liveness.waitUntilDead() }) else { return }
        outcome.withLockedValue { $0 = true }
        logger.critical("the runtime failed and is no longer restarted; exiting (--exit-on-runtime-failure) so that the service manager restarts the server",
                        metadata: ["last_error": "\(reason)"])
    }
}
