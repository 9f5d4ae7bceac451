import Logging
import NIOCore

/// Performs what a `RuntimeTurnStateMachine` decides: the HTTP calls to the runtime, the pauses
/// between polls, the relay of this generation's text through a `ReplyFilter`, and the cuts
/// (deadline, cancellation, stop sequence, `max_tokens`, context full). The caller hears the
/// outcome as soon as it is decided (`answer`); the driver returns only when the runtime has been
/// handed over idle and drained, or a restart was asked for.
struct RuntimeTurnDriver {
    let client: RuntimeClient
    /// Where the turn runs: its calls go over this loop's connection and its pauses are this
    /// loop's timers, so the turn never leaves the loop's thread (see `RuntimeClient`).
    let loop: any EventLoop
    let timing: RuntimeTurnStateMachine.Timing
    let logger: Logger

    /// One turn: the request's work and how the plan uses the runtime.
    struct Turn {
        var work: RuntimeSession.Work
        var resetSystemPrompt: String?
        var prompt: String
        var runtimeKnownClean: Bool
        /// The runtime's timing learnt in earlier turns (paces the polls).
        var cadence = PollPacer.Cadence()
        /// False for a reset alone (idle-time preparation).
        var generates = true
    }

    /// What happened, with the measurements the summary needs.
    struct Report: Sendable {
        var outcome: RuntimeTurnStateMachine.Outcome
        /// The runtime was handed over idle, with nothing pending and the queue drained.
        var clean = false
        /// Set when the runtime must be restarted (it hangs).
        var restartReason: String?
        var reply = ""
        var completionTokens = 0
        var timeline = TurnTimeline()
        /// The runtime's timing as learnt by the end of this turn.
        var cadence = PollPacer.Cadence()
        /// Polls of `generate_provider` in this turn (all states).
        var polls = 0
    }

    func run(_ turn: Turn, cancel: CancelSignal, emit: @escaping @Sendable (String) -> Void,
             answer: (Report) -> Void) async -> Report {
        var machine = RuntimeTurnStateMachine(timing: timing, resetSystemPrompt: turn.resetSystemPrompt,
                                              cadence: turn.cadence,
                                              promptTokens: TokenEstimate.message(turn.prompt),
                                              generates: turn.generates)
        var filter = ReplyFilter(stops: turn.work.stops, maxTokens: turn.work.maxTokens)
        var report = Report(outcome: .cancelled)
        var cut = false
        var answered = false
        let deliver: (String) -> Void = { text in
            if report.timeline.firstDeltaAt == nil { report.timeline.firstDeltaAt = .now }
            emit(text)
        }
        var action = machine.start(runtimeKnownClean: turn.runtimeKnownClean, at: .now)

        while true {
            switch action {
            case let .postReset(systemPrompt):
                action = await post("reset", &machine) { () async throws(RuntimeClientError) in
                    try await client.reset(systemPrompt: systemPrompt, on: loop)
                }

            case .postGenerate:
                action = await post("generate", &machine) { () async throws(RuntimeClientError) in
                    try await client.generate(prompt: turn.prompt, sampling: turn.work.sampling, on: loop)
                }

            case let .poll(after), let .stopAndPoll(after):
                if !cut, !answered, let reason = Self.cutReason(turn.work.deadline, cancel) {
                    cut = true
                    logger.debug("cutting the reply", metadata: ["reason": "\(reason)"])
                    action = machine.cut(reason, at: .now)
                    continue
                }
                if case .stopAndPoll = action {
                    do throws(RuntimeClientError) {
                        try await client.stop(on: loop)
                        logger.debug("stop sent")
                    } catch {
                        action = machine.failed(error)
                        continue
                    }
                }
                // A cancellation ends the pause at once; a deadline shortens it.
                await cancel.pause(for: Self.capped(after, by: cut || answered ? nil : turn.work.deadline), on: loop)
                if !cut, !answered, let reason = Self.cutReason(turn.work.deadline, cancel) {
                    cut = true
                    logger.debug("cutting the reply", metadata: ["reason": "\(reason)"])
                    action = machine.cut(reason, at: .now)
                    continue
                }
                report.polls += 1
                let sentAt = ContinuousClock.now
                let poll: RuntimePoll
                do throws(RuntimeClientError) {
                    poll = try await client.poll(on: loop)
                } catch {
                    action = machine.failed(error)
                    continue
                }
                let now = ContinuousClock.now
                let (text, next) = machine.polled(text: poll.text, done: poll.done, at: now, sentAt: sentAt)
                action = next
                switch text {
                case .none:
                    break
                case let .discard(leftover):
                    logger.debug("discarded runtime text that is not this reply's",
                                 metadata: ["chars": "\(leftover.count)"])
                case let .relay(chunk):
                    report.timeline.chunk(at: now)
                    if let event = filter.absorb(chunk, deliver: deliver), !cut {
                        cut = true
                        action = machine.cut(Self.cut(for: event), at: now)
                    }
                }

            case let .answer(outcome):
                if answered {
                    // A late failure while settling: the caller has its answer already.
                    logger.debug("runtime trouble after the answer", metadata: ["outcome": "\(outcome)"])
                    action = machine.answered(at: .now)
                    continue
                }
                report.timeline.endSeenAt = report.timeline.endSeenAt ?? .now
                report.outcome = outcome
                if case .finished(.stop) = outcome, let event = filter.finish(deliver: deliver) {
                    // The tail held back for the checks ended the reply after all.
                    report.outcome = event == .stopSequence ? .finished(.stopSequence) : .finished(.length)
                }
                report.reply = filter.reply
                report.completionTokens = filter.tokens
                report.timeline.strippedThinkPrefix = filter.strippedThinkPrefix
                answered = true
                answer(report)
                action = machine.answered(at: .now)

            case let .restart(reason):
                report.cadence = machine.cadence
                report.restartReason = reason
                report.clean = false
                if !answered {
                    report.outcome = .hung(reason)
                    report.reply = filter.reply
                    report.completionTokens = filter.tokens
                }
                return report

            case let .handOff(clean):
                report.cadence = machine.cadence
                report.clean = clean
                return report
            }
        }
    }

    /// Posts a task; "llm is running" is the machine's to wait out, not an error.
    private func post(_ task: String, _ machine: inout RuntimeTurnStateMachine,
                      _ call: () async throws(RuntimeClientError) -> Void) async -> RuntimeTurnStateMachine.Action {
        do throws(RuntimeClientError) {
            try await call()
            logger.debug("task accepted", metadata: ["task": "\(task)"])
            return machine.accepted(at: .now)
        } catch .busy {
            logger.debug("task answered busy; waiting for the runtime to be idle", metadata: ["task": "\(task)"])
            return machine.busy(at: .now)
        } catch {
            return machine.failed(error)
        }
    }

    /// The pause, no longer than until the deadline (the cut is decided right after it).
    private static func capped(_ pause: Duration, by deadline: ContinuousClock.Instant?) -> Duration {
        guard let deadline else { return pause }
        return max(.zero, min(pause, deadline - ContinuousClock.now))
    }

    private static func cutReason(_ deadline: ContinuousClock.Instant?, _ cancel: CancelSignal)
        -> RuntimeTurnStateMachine.Cut? {
        if cancel.isFired { return .cancelled }
        if let deadline, ContinuousClock.now >= deadline { return .deadlineExceeded }
        return nil
    }

    private static func cut(for event: ReplyFilter.Event) -> RuntimeTurnStateMachine.Cut {
        switch event {
        case .stopSequence: return .stopSequence
        case .length: return .length
        case .contextFull: return .contextFull
        }
    }
}
