/// The decode rate of one generation, measured over the runtime's own generation time: from its
/// first chunk to the end of the run (or to the chunk where the reply was cut), never over the
/// few milliseconds in which buffered text was relayed.
///
/// The runtime queues text every 3 tokens, so its first chunk (the think prefix) arrives when 3
/// tokens have been decoded; the tokens decoded after it are the reply's, plus the 4 think-prefix
/// tokens, plus the end-of-sequence token when the reply ended by itself, minus those 3.
struct DecodeRate: Sendable, Equatable {
    static let thinkPrefixTokens = 4
    static let tokensPerChunk = 3

    let tokensPerSecond: Double

    init(_ result: RuntimeSession.Result, finishReason: GenerationSummary.FinishReason) {
        let ranToTheEnd = finishReason == .stop
        let timeline = result.timeline
        guard let first = timeline.firstChunkAt,
              let last = ranToTheEnd ? (timeline.endSeenAt ?? timeline.lastChunkAt) : timeline.lastChunkAt else {
            tokensPerSecond = 0
            return
        }
        let decoded = result.completionTokens + (timeline.strippedThinkPrefix ? Self.thinkPrefixTokens : 0)
            + (ranToTheEnd ? 1 : 0) - Self.tokensPerChunk
        let seconds = (last - first).milliseconds / 1000
        tokensPerSecond = decoded > 0 && seconds > 0 ? Double(decoded) / seconds : 0
    }

    /// The time `completionTokens` take at this rate: Ollama's `eval_duration`, so that
    /// `eval_count / eval_duration` is the same rate the summary reports.
    func milliseconds(forCompletionTokens completionTokens: Int) -> Double {
        tokensPerSecond > 0 ? Double(completionTokens) / tokensPerSecond * 1000 : 0
    }
}
