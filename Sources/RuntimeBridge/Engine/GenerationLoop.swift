import Logging

/// Runs one `/api/generate` to its end: retries while the runtime is still busy with the
/// preceding reset, polls `generate_provider`, relays text through a `ReplyFilter`, and stops the
/// runtime when the reply must end early (stop sequence, `max_tokens`, deadline, cancellation).
/// It does not wait for a stopped runtime to become idle: that is `RuntimeSession.settle`, run
/// after the caller has its answer.
struct GenerationLoop {
    let client: RuntimeClient
    let tuning: BridgeTuning
    let logger: Logger

    struct Outcome: Sendable {
        enum End: Sendable, Equatable {
            case finished(GenerationSummary.FinishReason)
            case cancelled
            case deadlineExceeded
            case contextFull
            /// Still "llm is running" after every retry.
            case busy
            case failed(RuntimeClientError)
        }

        var end: End
        /// `/api/generate` was accepted, so the runtime has (or had) work from this request.
        var accepted = false
        /// The runtime may still be generating: settle before the next request.
        var runtimeMayBeBusy = false
        /// The runtime was seen working (text or `done: false`), so a later `done` is real.
        var sawRunning = false
        var reply = ""
        var completionTokens = 0
        var firstTextAt: ContinuousClock.Instant?
    }

    func run(prompt: String, sampling: ResolvedSampling, stops: [String], maxTokens: Int?,
             deadline: ContinuousClock.Instant?, emit: @Sendable (String) -> Void) async -> Outcome {
        if let failure = await start(prompt: prompt, sampling: sampling, deadline: deadline) {
            return Outcome(end: failure)
        }
        var filter = ReplyFilter(stops: stops, maxTokens: maxTokens)
        var firstTextAt: ContinuousClock.Instant?
        let accepted = ContinuousClock.now
        let logger = self.logger
        let deliver: (String) -> Void = { text in
            if firstTextAt == nil {
                let now = ContinuousClock.now
                firstTextAt = now
                logger.info("first text", metadata: ["after_generate_ms": "\(Int((now - accepted).milliseconds))"])
            }
            emit(text)
        }
        var sawRunning = false
        var doneSince: ContinuousClock.Instant?

        func outcome(_ end: Outcome.End, busy: Bool) -> Outcome {
            Outcome(end: end, accepted: true, runtimeMayBeBusy: busy, sawRunning: sawRunning, reply: filter.reply,
                    completionTokens: filter.tokens.tokens, firstTextAt: firstTextAt)
        }

        while true {
            if let abort = Self.abortReason(deadline) {
                await sendStop(abort == .cancelled ? "the caller cancelled" : "the deadline passed")
                return outcome(abort, busy: true)
            }
            let poll: RuntimePoll
            do {
                poll = try await client.poll()
            } catch {
                return outcome(.failed(error), busy: true)
            }
            if !poll.text.isEmpty {
                sawRunning = true
                if let event = filter.absorb(poll.text, deliver: deliver) {
                    return await ended(by: event, runtimeDone: poll.done, outcome: outcome)
                }
            }
            if !poll.done {
                sawRunning = true
                doneSince = nil
            } else if sawRunning || Self.elapsed(since: &doneSince) >= tuning.earlyDoneGrace {
                // The final text may be queued just as the runtime turns idle: drain once more.
                if sawRunning, let tail = try? await client.poll(), !tail.text.isEmpty,
                   let event = filter.absorb(tail.text, deliver: deliver) {
                    return await ended(by: event, runtimeDone: tail.done, outcome: outcome)
                }
                if let event = filter.finish(deliver: deliver) {
                    return await ended(by: event, runtimeDone: true, outcome: outcome)
                }
                return outcome(.finished(.stop), busy: false)
            }
            if poll.text.isEmpty { try? await Task.sleep(for: tuning.pollInterval) }
        }
    }

    /// `/api/generate`, retried with backoff while the asynchronous reset still runs.
    private func start(prompt: String, sampling: ResolvedSampling, deadline: ContinuousClock.Instant?) async
        -> Outcome.End? {
        var delays = tuning.busyRetryDelays[...]
        var attempts = 0
        while true {
            if let abort = Self.abortReason(deadline) { return abort }
            attempts += 1
            do throws(RuntimeClientError) {
                try await client.generate(prompt: prompt, sampling: sampling)
                if attempts > 1 { logger.debug("generate accepted after \(attempts - 1) busy answers") }
                return nil
            } catch .busy {
                guard let delay = delays.popFirst() else {
                    logger.warning("the runtime still answers \"llm is running\" after \(attempts) attempts")
                    return .busy
                }
                try? await Task.sleep(for: delay)
            } catch {
                return .failed(error)
            }
        }
    }

    private func ended(by event: ReplyFilter.Event, runtimeDone: Bool,
                       outcome: (Outcome.End, Bool) -> Outcome) async -> Outcome {
        switch event {
        case .contextFull:
            return outcome(.contextFull, !runtimeDone)
        case .stopSequence:
            if !runtimeDone { await sendStop("a stop sequence was generated") }
            return outcome(.finished(.stopSequence), !runtimeDone)
        case .length:
            if !runtimeDone { await sendStop("max_tokens was reached") }
            return outcome(.finished(.length), !runtimeDone)
        }
    }

    private func sendStop(_ reason: String) async {
        do {
            try await client.stop()
            logger.info("stop sent: \(reason)")
        } catch {
            logger.warning("stop failed (\(reason)): \(error)")
        }
    }

    private static func abortReason(_ deadline: ContinuousClock.Instant?) -> Outcome.End? {
        if Task.isCancelled { return .cancelled }
        if let deadline, ContinuousClock.now >= deadline { return .deadlineExceeded }
        return nil
    }

    /// Time since `since`, which starts now when nil.
    static func elapsed(since: inout ContinuousClock.Instant?) -> Duration {
        let now = ContinuousClock.now
        if since == nil { since = now }
        return now - (since ?? now)
    }
}
