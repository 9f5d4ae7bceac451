import ArgumentParser

/// Flags for running under a service manager or an orchestrator: where the configuration file
/// is, and when a runtime that cannot be revived makes the whole server count as dead.
package struct DeploymentOptions: ParsableArguments {
    package init() {}

    @Option(name: .customLong("config"),
            help: ArgumentHelp("Read flags from this file (key = value lines; see deploy/axrpc.conf). Flags and AXRPC_* environment variables win over it.",
                               valueName: "file"))
    package var configFile: String?

    @Option(name: .customLong("liveness-grace-seconds"),
            help: "How long the runtime may stay FAILED before /healthz answers 503 and the health service axrpc.liveness NOT_SERVING.")
    package var livenessGraceSeconds = 30.0

    @Flag(name: .customLong("exit-on-runtime-failure"),
          help: "Exit with status 3 once the runtime has been FAILED for the liveness grace, so that systemd's Restart= (or a container restart policy) starts everything afresh.")
    package var exitOnRuntimeFailure = false

    /// The exit status for a runtime that failed for good: distinct from 1 (startup errors) so
    /// logs and `systemctl status` tell the two apart.
    package static let runtimeFailureExitCode: Int32 = 3

    package func validate() throws {
        guard livenessGraceSeconds.isFinite, livenessGraceSeconds >= 0 else {
            throw ValidationError("--liveness-grace-seconds must be 0 or more")
        }
    }

    package var livenessGrace: Duration { .milliseconds(Int64(livenessGraceSeconds * 1000)) }
}
