import RPCProtocol
import RuntimeBridge

/// Facts about this server process that health answers carry.
struct ServerInfo: Sendable {
    static let version = AXRPCVersion.current
    let startedAt = ContinuousClock.now
    /// The runtime is the built-in emulator rather than hardware.
    let emulated: Bool
    /// Whether the whole server (`grpc.health.v1` service "") counts as serving. With a runtime
    /// that is "the runtime is ready or busy"; with `--no-runtime` there is nothing to wait for.
    let runtimeAttached: Bool
    /// Liveness (`/healthz`, health service `axrpc.liveness`); nil: always alive.
    var liveness: LivenessMonitor? = nil

    var uptimeSeconds: UInt64 {
        UInt64(max(0, startedAt.duration(to: .now).components.seconds))
    }

    /// False once the runtime has been FAILED for the liveness grace.
    var isAlive: Bool { liveness?.isAlive ?? true }

    func wholeServerServing(_ status: RuntimeStatus) -> Bool {
        runtimeAttached ? status.isServing : true
    }
}
