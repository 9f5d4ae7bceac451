/// What the emulator received and did, for `/__emulator/state` (test inspection only; the runtime API
/// never reads it). Cleared by `POST /__emulator/reset-state`.
struct CallLog: Sendable {
    /// One runtime API request (polls are only counted).
    enum Call: Sendable {
        case generate(GenerateCall)
        case reset(status: Int, systemPrompt: JSONValue?)
        case stop
        case chat(status: Int, prompt: String?)
    }

    /// A `/api/generate` request as received: raw values of the known keys (`nil` when absent).
    struct GenerateCall: Sendable {
        var status: Int
        var prompt: JSONValue?
        var temperature: JSONValue?
        var topK: JSONValue?
        var topP: JSONValue?
        var repetitionPenalty: JSONValue?
        var keysPresent: [String]
    }

    /// How a generation ended.
    enum Outcome: String, Sendable {
        case eos, stopped, cut, contextFull = "context_full", hung, crashed
    }

    /// One chunk a generation queued: its size, when it was queued and when a poll took it
    /// (milliseconds from the generation's start), to measure what a poller adds; and the
    /// wall-clock time it was queued, to set against a client's arrival times on the same host.
    struct ChunkTiming: Sendable {
        var characters: Int
        var bytes: Int
        var queuedMilliseconds: Double
        var queuedUnixMilliseconds: Double
        var drainedMilliseconds: Double?
    }

    /// One generation (from `/api/generate` or `/api/chat`) once it ended (or hung/crashed).
    struct Generation: Sendable {
        var prompt: String
        var promptTokens: Int
        /// The reply text as produced (for `/api/chat`, what the blocked request got).
        var text: String
        var tokens: Int
        var outcome: Outcome
        var ttftMilliseconds: Double?
        /// Number since start-up, from 1 (survives `/__emulator/reset-state`, so records can be matched).
        var id = 0
        /// The system prompt of the KV it ran on (`nil`: no reset since start-up).
        var systemPrompt: String?
        /// The effective sampler when it started.
        var sampling = SamplingState.qwen3Defaults
        /// UTF-8 byte length of each token produced, in order (think-prefix tokens included).
        var tokenByteLengths: [Int] = []
        /// Exactly what was pushed to the polled text queue (empty for `/api/chat`, which queues nothing).
        var queuedText = ""
        /// `/api/stop` arrived while it ran.
        var stopReceived = false
        /// The rate the runtime itself prints at EOS (`hit eos,avg %.2f token/s`); nil otherwise.
        var decodeTokensPerSecond: Double?
        /// `/api/generate_provider` polls answered while it ran (prefill included).
        var polls = 0
        /// Every chunk it queued (empty ones too), in order.
        var chunks: [ChunkTiming] = []
        /// Engine clock at its start (drain times of chunks polled after it ended are relative to it).
        var startedAtNanoseconds: UInt64 = 0
    }

    var generateCalls = 0
    var resets = 0
    var stops = 0
    var busyRejections = 0
    var polls = 0
    var chats = 0
    private(set) var calls: [Call] = []
    private(set) var generations: [Generation] = []
    let historyLimit: Int

    init(historyLimit: Int) {
        self.historyLimit = max(1, historyLimit)
    }

    mutating func record(_ call: Call) {
        calls.append(call)
    }

    mutating func record(_ generation: Generation) {
        generations.append(generation)
        if generations.count > historyLimit { generations.removeFirst(generations.count - historyLimit) }
    }

    /// A poll took chunk `chunk` of generation `generation` after the generation ended.
    mutating func noteDrained(generation id: Int, chunk index: Int, now: UInt64) {
        guard let position = generations.lastIndex(where: { $0.id == id }),
              generations[position].chunks.indices.contains(index) else { return }
        let start = generations[position].startedAtNanoseconds
        generations[position].chunks[index].drainedMilliseconds = Double(now &- start) / 1_000_000
    }

    mutating func clear() {
        self = CallLog(historyLimit: historyLimit)
    }
}
