/// One event of a generation as the scheduler streams it: queue positions, text, then a summary.
public enum GenerationUpdate: Sendable, Equatable {
    /// Waiting; `position` 1 runs next. Sent on entry and whenever the position changes.
    case queued(position: Int, depth: Int)
    /// The next piece of generated text (never empty, never containing a stop sequence).
    case delta(String)
    /// Always the last update of a successful generation.
    case done(GenerationSummary)
}

/// Why a generation ended, and what it cost.
public struct GenerationSummary: Sendable, Equatable {
    public enum FinishReason: Sendable, Equatable { case stop, length, stopSequence }
    public var finishReason: FinishReason
    public var promptTokens: Int
    public var completionTokens: Int
    /// True when token counts are estimated: the runtime reports no token ids, so the bridge
    /// counts the pieces its tokenizer would make of the text (see the README).
    public var estimated: Bool
    public var queueMilliseconds: Double
    public var timeToFirstTokenMilliseconds: Double
    public var generationMilliseconds: Double
    public var totalMilliseconds: Double
    /// Decode rate over the runtime's own generation time (first chunk to end).
    public var tokensPerSecond: Double
    /// `completionTokens` at `tokensPerSecond`: the decode time of the reply (Ollama's
    /// `eval_duration`), consistent with the rate.
    public var decodeMilliseconds: Double
    /// From the start of the generation to the runtime's first chunk: prompt processing (Ollama's
    /// `prompt_eval_duration`). With `decodeMilliseconds` it never exceeds the generation time.
    public var prefillMilliseconds: Double
    /// The chat turn continued the runtime's conversation without a reset.
    public var contextReused: Bool
    public var model: String

    public init(finishReason: FinishReason, promptTokens: Int, completionTokens: Int, estimated: Bool,
                queueMilliseconds: Double, timeToFirstTokenMilliseconds: Double,
                generationMilliseconds: Double, totalMilliseconds: Double, tokensPerSecond: Double,
                contextReused: Bool, model: String, decodeMilliseconds: Double = 0,
                prefillMilliseconds: Double = 0) {
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.estimated = estimated
        self.queueMilliseconds = queueMilliseconds
        self.timeToFirstTokenMilliseconds = timeToFirstTokenMilliseconds
        self.generationMilliseconds = generationMilliseconds
        self.totalMilliseconds = totalMilliseconds
        self.tokensPerSecond = tokensPerSecond
        self.decodeMilliseconds = decodeMilliseconds
        self.prefillMilliseconds = prefillMilliseconds
        self.contextReused = contextReused
        self.model = model
    }
}
