import AXRPCFrontEnd
import AXRPCOperations
import AXRPCServerCore
import Logging
import NIOCore
import RuntimeBridge
import ServiceLifecycle

/// Builds the engine the flags ask for: the supervisor that runs the runtime, and the bridge on
/// top of it. As a `Service` it keeps the runtime until the group shuts down (last, after the
/// front ends); `stop()` ends it on the exit paths before the group runs.
struct RuntimeLauncher: Service, CustomStringConvertible {
    /// How service-lifecycle names it in its log lines.
    var description: String { "RuntimeLauncher" }

    let engine: any InferenceEngine
    let info: ServerInfo
    private let bridge: RuntimeEngine?
    private let supervisor: RuntimeSupervisor?

    private init(engine: any InferenceEngine, info: ServerInfo, supervisor: RuntimeSupervisor?) {
        self.engine = engine
        self.info = info
        self.bridge = engine as? RuntimeEngine
        self.supervisor = supervisor
    }

    static func start(_ options: RuntimeOptions, group: any EventLoopGroup, logger: Logger) async throws -> RuntimeLauncher {
        guard let source = try options.source() else {
            logger.notice("no runtime: generation answers UNAVAILABLE (--no-runtime)")
            return RuntimeLauncher(engine: NoRuntimeEngine(), info: ServerInfo(emulated: false, runtimeAttached: false),
                                   supervisor: nil)
        }
        let resolved = try source.resolve()
        for warning in resolved.warnings { logger.warning("runtime configuration", metadata: ["warning": "\(warning)"]) }
        if resolved.plan.emulated {
            logger.warning("no model configured: running the built-in emulator axllm-emulator; NO NPU IS USED and replies are synthetic")
        }
        var runtimeLogger = logger
        runtimeLogger[metadataKey: "model"] = "\(resolved.model.descriptor.name)"
        let supervisor = RuntimeSupervisor(plan: resolved.plan, options: options.supervisorOptions, logger: runtimeLogger)
        await supervisor.start()
        let engine = RuntimeEngine(host: supervisor, model: resolved.model, queueCapacity: options.queueCapacity,
                                   emulated: resolved.plan.emulated,
                                   tuning: BridgeTuning(prepareWhenIdle: options.idleReset),
                                   logger: runtimeLogger, eventLoopGroup: group)
        return RuntimeLauncher(engine: engine,
                               info: ServerInfo(emulated: resolved.plan.emulated, runtimeAttached: true),
                               supervisor: supervisor)
    }

    /// Queued generations end with UNAVAILABLE and new ones are refused; the running one goes on.
    /// Returns how many were ended.
    func drain() async -> Int {
        await bridge?.drain() ?? 0
    }

    /// Stops the bridge's generations and waits for them (a turn may still be telling the runtime
    /// to stop), then the runtime. After this nothing uses the event loops.
    func stop() async {
        await bridge?.shutdown()
        await supervisor?.stop()
    }

    func run() async throws {
        try? await gracefulShutdown()
        await stop()
    }
}
