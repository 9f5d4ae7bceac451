/// `--profile`: timing presets of the emulated runtime. Explicit timing flags override the preset.
enum TimingProfile: String, Sendable, CaseIterable {
    /// Everything happens between two polls of a bridge: 20000 tokens/s, no prefill, reset or dispatch time.
    case instant
    /// The emulator's defaults (`EngineConfiguration()`): 4.5 tokens/s, 150 ms + 1000 ms per prefill chunk,
    /// 50 ms reset, 5 ms dispatch.
    case standard = "default"
    /// Qwen3-4B on the NPU: 4.5 tokens/s, 150 ms + 1200 ms per 128-token prefill chunk, 1200 ms reset,
    /// 1 ms dispatch.
    case hardware

    /// The preset's timing on top of `configuration` (limits and faults are left alone).
    func apply(to configuration: inout EngineConfiguration) {
        let defaults = EngineConfiguration()
        switch self {
        case .instant:
            configuration.tokensPerSecond = 20_000
            configuration.ttftMilliseconds = 0
            configuration.prefillMillisecondsPerChunk = 0
            configuration.resetMilliseconds = 0
            configuration.dispatchMilliseconds = 0
        case .standard:
            configuration.tokensPerSecond = defaults.tokensPerSecond
            configuration.ttftMilliseconds = defaults.ttftMilliseconds
            configuration.prefillMillisecondsPerChunk = defaults.prefillMillisecondsPerChunk
            configuration.resetMilliseconds = defaults.resetMilliseconds
            configuration.dispatchMilliseconds = defaults.dispatchMilliseconds
        case .hardware:
            configuration.tokensPerSecond = 4.5
            configuration.ttftMilliseconds = 150
            configuration.prefillMillisecondsPerChunk = 1200
            configuration.resetMilliseconds = 1200
            configuration.dispatchMilliseconds = 1
        }
        configuration.taskGapMilliseconds = defaults.taskGapMilliseconds
        configuration.pollJitterMilliseconds = defaults.pollJitterMilliseconds
    }

    /// The configuration of this preset alone.
    var configuration: EngineConfiguration {
        var configuration = EngineConfiguration()
        apply(to: &configuration)
        return configuration
    }
}
