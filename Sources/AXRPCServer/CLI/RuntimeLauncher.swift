import AXRPCFrontEnd
import AXRPCServerCore
import Logging
import NIOCore
import RuntimeBridge
import ServiceLifecycle

/// Builds the engine the flags ask for: the supervisor that runs the runtime, and the bridge on
/// top of it. As a `Service` it keeps the runtime until the group shuts down (last, after the
/// front ends); `stop()` ends it on the exit paths before the group runs.
struct RuntimeLauncher: Service {
    let engine: any InferenceEngine
    let info: ServerInfo
    private let supervisor: RuntimeSupervisor?

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

    func stop() async {
        await supervisor?.stop()
    }

    func run() async throws {
        try? await gracefulShutdown()
        await stop()
    }
}
