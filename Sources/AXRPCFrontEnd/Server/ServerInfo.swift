import RPCProtocol
import RuntimeBridge

/// Facts about this server process that health answers carry.
package struct ServerInfo: Sendable {
    package static let version = AXRPCVersion.current
    package let startedAt = ContinuousClock.now
    /// The runtime is the built-in emulator rather than hardware.
    package let emulated: Bool
    /// Whether the whole server (`grpc.health.v1` service "") counts as serving. With a runtime
    /// that is "the runtime is ready or busy"; with `--no-runtime` there is nothing to wait for.
    package let runtimeAttached: Bool
    /// Liveness (`/healthz`, health service `axrpc.liveness`); nil: always alive.
    package var liveness: LivenessMonitor? = nil

    package init(emulated: Bool, runtimeAttached: Bool, liveness: LivenessMonitor? = nil) {
        self.emulated = emulated
        self.runtimeAttached = runtimeAttached
        self.liveness = liveness
    }

    package var uptimeSeconds: UInt64 {
        UInt64(max(0, startedAt.duration(to: .now).components.seconds))
    }

    /// False once the runtime has been FAILED for the liveness grace.
    package var isAlive: Bool { liveness?.isAlive ?? true }

    package func wholeServerServing(_ status: RuntimeStatus) -> Bool {
        runtimeAttached ? status.isServing : true
    }
}
