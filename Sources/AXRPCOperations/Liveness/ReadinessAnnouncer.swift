import Logging
import AXRPCFrontEnd
import RuntimeBridge

/// Tells systemd (`Type=notify`) that the service is up once the runtime first serves, and
/// mirrors the runtime's state into the unit's status line (`systemctl status axrpc`). With a
/// real model that is 1.5-2 minutes after start, so `TimeoutStartSec` in the unit allows for it.
package enum ReadinessAnnouncer {
    package static func start(engine: any InferenceEngine, info: ServerInfo, notifier: SystemdNotifier,
                      logger: Logger) -> Task<Void, Never>? {
        guard notifier.isActive else { return nil }
        let updates = engine.statusUpdates()
        return Task {
            var announced = false
            var lastPhase: RuntimePhase?
            for await status in updates {
                if status.phase == lastPhase { continue }
                lastPhase = status.phase
                var message = "STATUS=runtime \(status.phase.name)"
                if !announced && info.wholeServerServing(status) {
                    message = "READY=1\n" + message
                    announced = true
                }
                if let problem = notifier.notify(message) {
                    logger.warning("cannot notify systemd", metadata: ["error": "\(problem)"])
                }
            }
        }
    }
}
