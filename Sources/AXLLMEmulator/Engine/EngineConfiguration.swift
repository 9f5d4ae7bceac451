/// Timing, limits and fault injection of the emulated runtime: everything the command line can set.
///
/// Times are milliseconds. The defaults are `TimingProfile.standard` (roughly Qwen3-4B on an AX650, see
/// runtime-protocol.md, "Measured speed"); tests use fast rates such as 1000 tokens/s.
struct EngineConfiguration: Sendable {
    /// Decode rate: one token every `1 / tokensPerSecond` seconds.
    var tokensPerSecond: Double = 4.5
    /// Fixed part of the time to first token.
    var ttftMilliseconds: Double = 150
    /// Prefill cost per started chunk of `prefillChunkTokens` prompt tokens, added to the first-token time.
    var prefillMillisecondsPerChunk: Double = 1000
    /// Prefill chunk size of the vendor's models.
    var prefillChunkTokens: Int = 128
    /// How long an accepted `/api/reset` keeps the runtime busy once it started.
    var resetMilliseconds: Double = 50
    /// Latency between an IDLE worker accepting a task (reset, generate or chat) and starting it. The busy
    /// flag is only set when the task starts, so meanwhile polls say `done: true` and a second reset or
    /// generate is accepted and queued behind it (runtime fact 1).
    var dispatchMilliseconds: Double = 5
    /// Pause between one task ending and the next QUEUED task starting (polls say `done: true` in it).
    var taskGapMilliseconds: Double = 0
    /// Each `/api/generate_provider` is answered after a random delay in [0, this]; the text is drained and
    /// `done` computed when it is answered, not when it arrived.
    var pollJitterMilliseconds: Double = 0
    /// `--chaos SEED`: per-task timing drawn from this seed (see `ChaosSchedule`); `nil`: fixed timing.
    var chaosSeed: UInt64?
    /// Upper bound of the dispatch latency drawn in chaos mode.
    var chaosMaxDispatchMilliseconds: Double = 40
    /// KV cache size: a prompt that would make the held context exceed it fails with the SetKVCache error.
    var contextTokens: Int = 2048
    /// Total context (prompt + reply) at which output is cut silently; `nil` means `contextTokens + 511`.
    var maxTokenLengthOverride: Int?
    /// Fixed number of body tokens per reply (after the 4 think-prefix tokens); `nil`: 20...60 from the seed.
    var replyTokens: Int?
    /// Replies use only the ASCII words (one token each), for tests of exact token counts.
    var asciiWordsOnly = false
    /// Fault: the process dies after this many generated tokens in total.
    var crashAfterTokens: Int?
    /// Fault: generation stalls forever (busy, no text, stop ignored) after this many generated tokens in total.
    var hangAfterTokens: Int?
    /// The system prompt a reset with an empty `system_prompt` uses.
    var defaultSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    /// Sampling parameters before any request changed them (the model's post_config.json).
    var initialSampling = SamplingState.qwen3Defaults
    /// How many finished generations `/__emulator/state` keeps.
    var historyLimit = 32

    /// The old name of `dispatchMilliseconds` (`--start-delay-ms`), from when only generates waited.
    var startDelayMilliseconds: Double {
        get { dispatchMilliseconds }
        set { dispatchMilliseconds = newValue }
    }

    /// `max_token_len` as the runtime prints it.
    var maxTokenLength: Int { maxTokenLengthOverride ?? contextTokens + 511 }

    /// Nanoseconds between two decoded tokens.
    var tokenIntervalNanoseconds: UInt64 { Self.nanoseconds(milliseconds: 1000 / tokensPerSecond) }

    /// Nanoseconds from the start of a generation to its first token for a prompt of `promptTokens` tokens.
    func firstTokenDelayNanoseconds(promptTokens: Int) -> UInt64 {
        let chunkSize = max(1, prefillChunkTokens)
        let chunks = (max(1, promptTokens) + chunkSize - 1) / chunkSize
        return Self.nanoseconds(milliseconds: ttftMilliseconds + prefillMillisecondsPerChunk * Double(chunks))
    }

    /// Converts milliseconds to nanoseconds, clamping negative and non-finite values.
    static func nanoseconds(milliseconds: Double) -> UInt64 {
        guard milliseconds.isFinite, milliseconds > 0 else { return 0 }
        return UInt64(min(milliseconds * 1_000_000, Double(UInt64.max / 2)))
    }
}
