import Foundation

/// A running generation: its token plan and how far it got.
struct ActiveGeneration {
    /// Number of the generation since start-up (from 1).
    let id: Int
    let prompt: String
    let promptTokens: Int
    let delivery: RuntimeEngine.Delivery
    /// The system prompt of the KV the generation runs on (`nil`: never reset).
    let systemPrompt: String?
    /// The effective sampler when the generation started (later requests may change the global one).
    let sampling: SamplingState
    /// Time per decoded token (the task's timing).
    let tokenInterval: UInt64
    /// Tokens still produced after the stop flag was seen (the task's stop latency).
    var stopGrace: Int
    /// `/api/stop` arrived while this generation ran.
    var stopReceived = false
    /// The reply's tokens (UTF-8 bytes each), already cut to what fits below `max_token_len`.
    let tokens: [[UInt8]]
    /// Whether `tokens` was cut (no EOS at the end: the output stops silently).
    let cut: Bool
    let startedAt: UInt64
    var firstTokenAt: UInt64?
    var produced = 0
    /// Bytes of the tokens since the last flush (the runtime decodes and queues every 3 tokens).
    var group: [UInt8] = []
    var groupTokens = 0
    var filter = UTF8ChunkFilter()
    /// Everything delivered so far: the reply text.
    var delivered = ""
    /// Polls answered while it ran (prefill included), and its queued chunks' timing.
    var polls = 0
    var chunks: [CallLog.ChunkTiming] = []
}

/// Generation: SetKVCache check, prefill delay, one token per tick, text flushed every 3 tokens, stop
/// checks, EOS, the `max_token_len` cut, and the crash/hang faults.
extension RuntimeEngine {
    /// The vendor's message, verbatim (its `%d` is never formatted).
    static let contextFullMessage = "error: SetKVCache failed: %d,the context may be full,please reset"

    func beginGeneration(prompt: String, delivery: Delivery) {
        stopRequested = false
        let promptTokens = TokenCounter.count(prompt)
        if conversation.tokens + promptTokens > configuration.contextTokens {
            rejectFullContext(prompt: prompt, promptTokens: promptTokens, delivery: delivery)
            return
        }
        let seed = ReplyGenerator.seed(conversationDigest: conversation.digest, prompt: prompt, sampling: sampling)
        let planned = StructuredReplies.replyTokens(systemPrompt: conversation.systemPrompt ?? "", prompt: prompt, seed: seed)
            ?? ReplyGenerator.replyTokens(seed: seed, fixedBodyTokens: configuration.replyTokens,
                                          asciiOnly: configuration.asciiWordsOnly)
        let budget = max(0, configuration.maxTokenLength - conversation.tokens - promptTokens)
        lastGenerationID += 1
        generation = ActiveGeneration(
            id: lastGenerationID, prompt: prompt, promptTokens: promptTokens, delivery: delivery,
            systemPrompt: conversation.systemPrompt, sampling: sampling,
            tokenInterval: currentTiming.tokenIntervalNanoseconds, stopGrace: currentTiming.stopLatencyTokens,
            tokens: Array(planned.prefix(budget)), cut: planned.count > budget, startedAt: clock.nowNanoseconds
        )
        enter(.prefill)
        scheduleTick(after: configuration.firstTokenDelayNanoseconds(promptTokens: promptTokens))
    }

    private func rejectFullContext(prompt: String, promptTokens: Int, delivery: Delivery) {
        let message = Self.contextFullMessage
        switch delivery {
        case .textQueue:
            pushText(message)
            echo(message)
        case .chat(let completion):
            completion(message)
        }
        endEchoLine()
        lastGenerationID += 1
        var record = CallLog.Generation(prompt: prompt, promptTokens: promptTokens, text: message, tokens: 0,
                                        outcome: .contextFull, ttftMilliseconds: nil)
        record.id = lastGenerationID
        record.systemPrompt = conversation.systemPrompt
        record.sampling = sampling
        if case .textQueue = delivery { record.queuedText = message }
        log.record(record)
        taskFinished()
    }

    private func scheduleTick(after delay: UInt64) {
        timer = clock.schedule(afterNanoseconds: delay) { [weak self] in self?.tick() }
    }

    /// One decode step: honour stop, apply faults, emit the next token or finish.
    private func tick() {
        guard var current = generation else { return }
        if stopRequested {
            current.stopReceived = true
            guard current.stopGrace > 0 else {
                generation = current
                finishGeneration(.stopped)
                return
            }
            // Chaos: the stop is noticed a token or two late.
            current.stopGrace -= 1
        }
        if let crashAt = configuration.crashAfterTokens, totalGeneratedTokens >= crashAt {
            crash()
            return
        }
        if let hangAt = configuration.hangAfterTokens, totalGeneratedTokens >= hangAt {
            hang()
            return
        }
        guard current.produced < current.tokens.count else {
            // The step after the last planned token decodes EOS (or there is no room left at all).
            finishGeneration(current.cut ? .cut : .eos)
            return
        }
        current.group += current.tokens[current.produced]
        current.groupTokens += 1
        current.produced += 1
        totalGeneratedTokens += 1
        if current.firstTokenAt == nil {
            current.firstTokenAt = clock.nowNanoseconds
            enter(.decoding)
            let ttft = Double(clock.nowNanoseconds - current.startedAt) / 1_000_000
            printLine(String(format: "ttft: %.2f ms", ttft))
        }
        if current.groupTokens == 3 { flush(&current) }
        generation = current
        if let crashAt = configuration.crashAfterTokens, totalGeneratedTokens >= crashAt {
            crash()
            return
        }
        if current.cut, current.produced == current.tokens.count {
            finishGeneration(.cut)
            return
        }
        scheduleTick(after: current.tokenInterval)
    }

    /// Decodes the pending token group and queues its complete text (possibly `""`).
    private func flush(_ current: inout ActiveGeneration) {
        let chunk = current.filter.push(current.group)
        current.group = []
        current.groupTokens = 0
        deliver(chunk, in: &current)
    }

    private func deliver(_ chunk: String, in current: inout ActiveGeneration) {
        current.delivered += chunk
        if case .textQueue = current.delivery {
            pushText(chunk)
            echo(chunk)
            current.chunks.append(CallLog.ChunkTiming(
                characters: chunk.count, bytes: chunk.utf8.count, queuedMilliseconds: milliseconds(since: current.startedAt),
                queuedUnixMilliseconds: WallClock.unixMilliseconds()))
            undrainedChunks.append((current.id, current.chunks.count - 1))
        }
    }

    /// Milliseconds from `start` (engine clock) to now.
    func milliseconds(since start: UInt64) -> Double {
        Double(clock.nowNanoseconds &- start) / 1_000_000
    }

    /// Ends the running generation and records the turn in the held conversation. At EOS (or the silent cut)
    /// the partial token group is decoded and queued; after a stop it is dropped, like the vendor's loop,
    /// which leaves on `b_stop` before decoding the last 1-2 tokens.
    func finishGeneration(_ outcome: CallLog.Outcome) {
        guard var current = generation else { return }
        timer?.cancel()
        if outcome != .stopped {
            if current.groupTokens > 0 { flush(&current) }
            let tail = current.filter.finish()
            if !tail.isEmpty { deliver(tail, in: &current) }
        }
        appendToConversation(prompt: current.prompt, promptTokens: current.promptTokens,
                             reply: current.delivered, replyTokens: current.produced)
        endEchoLine()
        if outcome == .eos { printLine(String(format: "hit eos,avg %.2f token/s", decodeRate(current))) }
        record(current, outcome: outcome)
        generation = nil
        if case .chat(let completion) = current.delivery { completion(current.delivered) }
        taskFinished()
    }

    private func decodeRate(_ current: ActiveGeneration) -> Double {
        guard let first = current.firstTokenAt, current.produced > 1, clock.nowNanoseconds > first else {
            return configuration.tokensPerSecond
        }
        return Double(current.produced) / (Double(clock.nowNanoseconds - first) / 1_000_000_000)
    }

    private func record(_ current: ActiveGeneration, outcome: CallLog.Outcome) {
        let ttft = current.firstTokenAt.map { Double($0 - current.startedAt) / 1_000_000 }
        var record = CallLog.Generation(prompt: current.prompt, promptTokens: current.promptTokens,
                                        text: current.delivered, tokens: current.produced,
                                        outcome: outcome, ttftMilliseconds: ttft)
        record.id = current.id
        record.systemPrompt = current.systemPrompt
        record.sampling = current.sampling
        record.tokenByteLengths = current.tokens.prefix(current.produced).map(\.count)
        if case .textQueue = current.delivery { record.queuedText = current.delivered }
        record.stopReceived = current.stopReceived || outcome == .stopped
        if outcome == .eos { record.decodeTokensPerSecond = decodeRate(current) }
        record.polls = current.polls
        record.chunks = current.chunks
        record.startedAtNanoseconds = current.startedAt
        log.record(record)
    }

    /// `--hang-after-tokens`: no more ticks; busy forever; stop has no effect.
    private func hang() {
        guard let current = generation else { return }
        enter(.hung)
        timer = nil
        record(current, outcome: .hung)
    }

    /// `--crash-after-tokens`: the process dies (in tests the hook returns and the engine freezes).
    private func crash() {
        guard let current = generation else { return }
        enter(.crashed)
        timer = nil
        record(current, outcome: .crashed)
        hooks.crash(totalGeneratedTokens)
    }

    // MARK: stdout

    private func echo(_ chunk: String) {
        guard !chunk.isEmpty else { return }
        console.text(chunk)
        echoMidLine = true
    }

    private func endEchoLine() {
        if echoMidLine { console.text("\n") }
        echoMidLine = false
    }

    private func printLine(_ line: String) {
        endEchoLine()
        console.line(line)
    }
}
