import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import RuntimeBridge

/// A fake runtime, a fake host pointing at it, and an engine on top, with fast timings.
struct Harness {
    static let modelName = "qwen3-4b-test"

    let runtime: FakeRuntime
    let host: FakeRuntimeHost
    let engine: RuntimeEngine

    static let fastTuning = BridgeTuning(
        pollInterval: .milliseconds(2),
        quietPeriod: .milliseconds(20),
        stopGrace: .milliseconds(400),
        stopRepeatInterval: .milliseconds(50),
        startTimeout: .milliseconds(600),
        busyWaitLimit: .milliseconds(600),
        requestTimeout: .seconds(3),
        reconnectAttempts: 2,
        deathReportGrace: .milliseconds(100),
        // Off here: the tests count resets; `IdlePreparationTests` turns it on.
        prepareWhenIdle: false)

    static var group: any EventLoopGroup { MultiThreadedEventLoopGroup.singleton }

    static func model(contextTokens: Int = 2048) -> ModelConfiguration {
        ModelConfiguration(
            descriptor: ModelDescriptor(name: modelName, family: "qwen3", parameterSize: "4B", quantization: "w8a16",
                                        contextLength: contextTokens, emulated: false, isDefault: true),
            samplingDefaults: SamplingDefaults(temperature: 0.7, topP: 0.8, topK: 1, repetitionPenalty: 1.05),
            contextTokens: contextTokens,
            defaultSystemPrompt: "You are a test assistant.")
    }

    static func make(capacity: Int = 16, contextTokens: Int = 2048, tuning: BridgeTuning = fastTuning) async throws
        -> Harness {
        let runtime = FakeRuntime(group: group)
        try await runtime.start()
        let host = FakeRuntimeHost(port: runtime.port)
        var logger = Logger(label: "bridge-test")
        logger.logLevel = ProcessInfo.processInfo.environment["BRIDGE_TEST_LOG"] == nil ? .critical : .trace
        let engine = RuntimeEngine(host: host, model: model(contextTokens: contextTokens), queueCapacity: capacity,
                                   emulated: true, tuning: tuning, logger: logger, eventLoopGroup: group)
        return Harness(runtime: runtime, host: host, engine: engine)
    }

    func start(_ request: GenerationRequest) -> StreamProbe {
        StreamProbe(engine.generate(request))
    }

    func run(_ request: GenerationRequest) async -> StreamProbe.Outcome {
        await start(request).outcome()
    }

    static func chat(_ turns: [(ChatTurn.Role, String)], sampling: SamplingParameters = .init(),
                     deadline: ContinuousClock.Instant? = nil) -> GenerationRequest {
        GenerationRequest(job: .chat(turns.map { ChatTurn(role: $0.0, content: $0.1) }), sampling: sampling,
                          deadline: deadline)
    }

    static func generate(_ prompt: String, system: String? = nil, sampling: SamplingParameters = .init(),
                         deadline: ContinuousClock.Instant? = nil) -> GenerationRequest {
        GenerationRequest(job: .generate(prompt: prompt, system: system), sampling: sampling, deadline: deadline)
    }
}
