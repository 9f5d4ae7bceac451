import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Prints the `listening` line that scripts and tests wait for, from inside the service group:
/// by then the group traps SIGTERM and SIGINT, so a signal sent right after the line is a
/// graceful shutdown rather than the default sudden death. Shut down first, it tells systemd
/// that the server is stopping.
package struct ServingAnnouncement: Service, CustomStringConvertible {
    /// How service-lifecycle names it in its log lines.
    package var description: String { "ServingAnnouncement" }

    package let line: String
    package let notifier: SystemdNotifier
    package let logger: Logger
    /// Run once shutdown begins, before the other services are shut down (the drain of queued calls).
    package let onShutdown: @Sendable () async -> Void

    package init(line: String, notifier: SystemdNotifier, logger: Logger,
                 onShutdown: @escaping @Sendable () async -> Void = {}) {
        self.onShutdown = onShutdown
        self.line = line
        self.notifier = notifier
        self.logger = logger
    }

    package func run() async throws {
        // write(2) directly: one unbuffered line that a supervising script can wait for.
        var text = line + "\n"
        text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
        guard (try? await gracefulShutdown()) != nil else { return }
        logger.info("finishing open calls")
        notifier.notify("STOPPING=1")
        await onShutdown()
    }
}
