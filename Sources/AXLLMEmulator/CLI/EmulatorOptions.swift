import Foundation
import ArgumentParser

/// The emulator's own flags: listening address, timing, limits and injected faults.
struct EmulatorOptions: ParsableArguments {
    @Option(help: "Port to listen on; 0 picks a free port (printed in the 'Server running on port N...' line).")
    var port: Int = 8000

    @Option(help: "Address to listen on (the real runtime listens on 0.0.0.0).")
    var host: String = "127.0.0.1"

    @Option(help: "Timing preset: instant (everything between two polls), default, or hardware (Qwen3-4B on the NPU: 4.5 tokens/s, 1200 ms per prefill chunk and per reset). Explicit timing flags override it.")
    var profile: TimingProfile = .standard

    @Option(help: "Decode rate in tokens per second (default: from --profile).")
    var tokensPerSecond: Double?

    @Option(help: "Fixed part of the time to first token, in milliseconds (default: from --profile).")
    var ttftMs: Double?

    @Option(help: "Prefill cost per started chunk of 128 prompt tokens, in milliseconds (default: from --profile).")
    var prefillMsPerChunk: Double?

    @Option(help: "How long a reset keeps the runtime busy once it started, in milliseconds (default: from --profile).")
    var resetMs: Double?

    @Option(name: [.customLong("dispatch-ms"), .customLong("start-delay-ms")],
            help: "Latency between an idle worker accepting a task (reset or generate) and starting it; polls say done:true and further tasks are accepted meanwhile. --start-delay-ms is the old name. (default: from --profile)")
    var dispatchMs: Double?

    @Option(help: "Pause between one task ending and the next queued task starting (polls say done:true), in milliseconds.")
    var taskGapMs: Double?

    @Option(help: "Each /api/generate_provider is answered after a random delay in [0, X] ms (reproducible from the --chaos seed, else seed 0).")
    var pollJitterMs: Double?

    @Option(help: "Draw each task's timing from this seed, replacing --dispatch-ms, --task-gap-ms and --reset-ms: dispatch 0..--chaos-max-dispatch-ms, gap 0..40 ms, reset 0..300 ms, token interval +-50 % of --tokens-per-second, poll jitter 0..15 ms, stop honoured 0..2 tokens late. Same seed, same draws.")
    var chaos: UInt64?

    @Option(help: "Upper bound of the per-task dispatch latency under --chaos, in milliseconds (dispatch + gap should stay under 100 ms).")
    var chaosMaxDispatchMs: Double = 40

    @Option(help: "How many finished generations /__emulator/state keeps.")
    var historyLimit: Int = 32

    @Option(help: "Seconds of 'model loading' before the port opens.")
    var loadSeconds: Double = 0

    @Option(help: "KV cache size in tokens; a prompt that would exceed it fails with the SetKVCache error.")
    var contextTokens: Int = 2048

    @Option(help: "max_token_len: output is cut silently at this total context (default: context tokens + 511).")
    var maxTokenLen: Int?

    @Option(help: "Fixed number of reply body tokens (after the 4 think-prefix tokens); default 20-60 from the seed.")
    var replyTokens: Int?

    @Flag(help: "Replies use only ASCII words (one token each), for tests of exact token counts.")
    var asciiWordsOnly = false

    @Option(help: "Fault: exit abruptly (status 134) after this many generated tokens in total.")
    var crashAfterTokens: Int?

    @Option(help: "Fault: stall forever (busy, no text, stop ignored) after this many generated tokens in total.")
    var hangAfterTokens: Int?

    @Flag(help: "Fault: fail while loading the model (exit 255, the port never opens).")
    var failLoad = false

    @Option(help: "Requests per keep-alive connection before it is closed (0: unlimited).")
    var keepaliveMaxRequests: Int = 100

    @Option(help: "Idle keep-alive connections are closed after this many seconds (0: never).")
    var keepaliveTimeoutSeconds: Double = 5

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        if let tokensPerSecond, !(tokensPerSecond > 0 && tokensPerSecond.isFinite) {
            throw ValidationError("--tokens-per-second must be > 0")
        }
        for (name, value) in [("--ttft-ms", ttftMs), ("--prefill-ms-per-chunk", prefillMsPerChunk), ("--reset-ms", resetMs),
                              ("--dispatch-ms", dispatchMs), ("--task-gap-ms", taskGapMs),
                              ("--poll-jitter-ms", pollJitterMs), ("--chaos-max-dispatch-ms", chaosMaxDispatchMs),
                              ("--load-seconds", loadSeconds), ("--keepalive-timeout-seconds", keepaliveTimeoutSeconds)]
        where !((value ?? 0) >= 0 && (value ?? 0).isFinite) {
            throw ValidationError("\(name) must be >= 0")
        }
        guard contextTokens > 0 else { throw ValidationError("--context-tokens must be > 0") }
        guard historyLimit > 0 else { throw ValidationError("--history-limit must be > 0") }
        for (name, value) in [("--max-token-len", maxTokenLen), ("--reply-tokens", replyTokens),
                              ("--crash-after-tokens", crashAfterTokens), ("--hang-after-tokens", hangAfterTokens),
                              ("--keepalive-max-requests", Optional(keepaliveMaxRequests))]
        where (value ?? 0) < 0 {
            throw ValidationError("\(name) must be >= 0")
        }
    }

    /// The profile's timing, then every timing flag given explicitly, then limits and faults.
    var engineConfiguration: EngineConfiguration {
        var configuration = profile.configuration
        if let tokensPerSecond { configuration.tokensPerSecond = tokensPerSecond }
        if let ttftMs { configuration.ttftMilliseconds = ttftMs }
        if let prefillMsPerChunk { configuration.prefillMillisecondsPerChunk = prefillMsPerChunk }
        if let resetMs { configuration.resetMilliseconds = resetMs }
        if let dispatchMs { configuration.dispatchMilliseconds = dispatchMs }
        if let taskGapMs { configuration.taskGapMilliseconds = taskGapMs }
        if let pollJitterMs { configuration.pollJitterMilliseconds = pollJitterMs }
        configuration.chaosSeed = chaos
        configuration.chaosMaxDispatchMilliseconds = chaosMaxDispatchMs
        configuration.historyLimit = historyLimit
        configuration.contextTokens = contextTokens
        configuration.maxTokenLengthOverride = maxTokenLen
        configuration.replyTokens = replyTokens
        configuration.asciiWordsOnly = asciiWordsOnly
        configuration.crashAfterTokens = crashAfterTokens
        configuration.hangAfterTokens = hangAfterTokens
        return configuration
    }

    var connectionLimits: ConnectionLimits {
        ConnectionLimits(maxRequestsPerConnection: keepaliveMaxRequests, keepAliveTimeoutSeconds: keepaliveTimeoutSeconds)
    }
}

/// The vendor binary's flags, accepted so that the emulator can be launched with the real command line.
/// Only the ones that show up in output are used (`--axmodel_num`, `--template_filename_axmodel`,
/// `--url_tokenizer_model`, `--devices`); the rest are ignored.
struct VendorOptions: ParsableArguments {
    @Option(name: .customLong("system_prompt"), help: "Ignored (seeds the tokenizer only, not the KV cache).")
    var systemPrompt: String?

    @Option(name: .customLong("template_filename_axmodel"), help: "Layer model path pattern (printf %d).")
    var templateFilenameAxmodel = "qwen3-4b-ax650/qwen3_p128_l%d_together.axmodel"

    @Option(name: .customLong("axmodel_num"), help: "Number of layer models.")
    var axmodelNum = 36

    @Option(name: .customLong("url_tokenizer_model"), help: "Tokenizer service URL (not contacted).")
    var urlTokenizerModel = "http://127.0.0.1:12345"

    @Option(name: .customLong("filename_post_axmodel"), help: "Ignored.")
    var filenamePostAxmodel: String?

    @Option(name: .customLong("filename_tokens_embed"), help: "Ignored.")
    var filenameTokensEmbed: String?

    @Option(name: .customLong("tokens_embed_num"), help: "Ignored.")
    var tokensEmbedNum: Int?

    @Option(name: .customLong("tokens_embed_size"), help: "Ignored.")
    var tokensEmbedSize: Int?

    @Option(name: .customLong("use_mmap_load_embed"), help: "Ignored.")
    var useMmapLoadEmbed: Int?

    @Option(name: .customLong("tokenizer_type"), help: "Ignored.")
    var tokenizerType: Int?

    @Option(name: .customLong("devices"), help: "Device list; the first one is printed as devid.")
    var devices = "0"

    /// The first layer's model path, as in the vendor's load-failure line.
    var firstLayerModelPath: String {
        templateFilenameAxmodel.replacingOccurrences(of: "%d", with: "0")
    }

    var firstDevice: String {
        devices.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "0"
    }
}

extension TimingProfile: ExpressibleByArgument {}
