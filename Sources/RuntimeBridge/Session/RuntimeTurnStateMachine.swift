/// The bridge's side of one turn with the runtime's single worker: reset (optional), generate,
/// relay, end or stop, and hand the runtime over idle and drained. Pure: it takes what the
/// runtime was seen to do (an HTTP answer, a poll) and returns the next thing to do; the
/// `RuntimeTurnDriver` performs it. Every decision about the runtime's concurrency lives here.
///
/// What it must survive (runtime-protocol.md, "The worker's concurrency"): the busy flag is set
/// only when a task starts, so `done: true` shows before a queued task starts and in the gap
/// between two tasks; text nobody polled stays in the global queue; a stop sent before a run
/// starts is lost. The invariants it keeps, by construction:
///
/// 1. One task at a time: `/api/generate` is posted only after the reset was seen to finish
///    (seen busy and then idle, or idle for `quietPeriod` after it was accepted: longer than the
///    worker takes to pick a task up).
/// 2. Attribution: every poll before the generate was accepted drains and discards; the runtime
///    was handed over idle with nothing pending, so all text after it is this generation's.
/// 3. Completion: `done` ends the reply only after its text started, and only if a further poll
///    still says `done` (that poll also drains the last chunk, queued just before the flag fell).
/// 4. Clean hand-off: the turn ends only when the runtime is idle, nothing it posted is pending
///    and the queue is drained; a runtime that stays busy is restarted.
/// 5. Stops are repeated while the runtime is seen busy, until the run is seen to end.
/// 6. "llm is running" is waited out (until idle for `quietPeriod`), then the post is repeated.
struct RuntimeTurnStateMachine {
    typealias Instant = ContinuousClock.Instant

    private enum Next: Sendable, Equatable { case reset, generate, handOff }

    /// Watching for the runtime to be idle for `quietPeriod`.
    private struct Quiet: Sendable, Equatable {
        var idleSince: Instant?
        var idlePolls = 0

        mutating func observe(done: Bool, at now: Instant) {
            if done {
                if idleSince == nil { idleSince = now }
                idlePolls += 1
            } else {
                idleSince = nil
                idlePolls = 0
            }
        }

        func held(_ period: Duration, at now: Instant) -> Bool {
            guard let idleSince else { return false }
            return idlePolls >= 2 && now - idleSince >= period
        }
    }

    private enum State: Sendable, Equatable {
        case initial
        /// Polling until the runtime is quiescent (unknown state, or after "llm is running").
        case awaitingIdle(then: Next, quiet: Quiet, since: Instant, answered: Bool)
        /// A reset was posted; waiting for it to be accepted.
        case postingReset
        /// The reset was accepted at `since`; waiting to see it finish.
        case resetting(since: Instant, sawBusy: Bool, quiet: Quiet)
        /// The generate was posted; waiting for it to be accepted.
        case postingGenerate
        case generating(since: Instant, sawBusy: Bool, textStarted: Bool, quiet: Quiet)
        /// `done` was seen after this generation's text: one more poll confirms and drains.
        case confirmingEnd
        /// A cut reply: stopping the run and waiting for it to end. `answered`: the caller has
        /// its answer already.
        case stopping(firstStop: Instant, lastStop: Instant, textStarted: Bool, confirming: Bool, quiet: Quiet,
                      outcome: Outcome, answered: Bool)
        /// The caller was answered; the runtime is known to be clean (or not).
        case answeredThenHandOff(clean: Bool)
        case over
    }

    private var state: State = .initial
    /// The first "llm is running" answer of this turn: busy answers are waited out only so long,
    /// however many idle polls come between them.
    private var firstBusyAnswer: Instant?
    private let timing: Timing
    private let systemPrompt: String?
    private let promptTokens: Int
    /// False for a reset alone (idle-time preparation): the turn ends once the reset finished.
    private let generates: Bool
    /// Paces the polls of the generating state (see `PollPacer`).
    private var pacer: PollPacer

    /// - Parameters:
    ///   - resetSystemPrompt: reset with it first; nil continues the held conversation.
    ///   - cadence: the runtime's timing learnt in earlier turns.
    ///   - promptTokens: the generate's own prompt (estimated), which sizes its prefill.
    ///   - generates: false for a reset alone; it is answered `.finished(.stop)` once seen done.
    init(timing: Timing, resetSystemPrompt: String?, cadence: PollPacer.Cadence = PollPacer.Cadence(),
         promptTokens: Int = 0, generates: Bool = true) {
        self.timing = timing
        self.generates = generates
        self.systemPrompt = resetSystemPrompt
        self.promptTokens = promptTokens
        self.pacer = PollPacer(settings: timing.pacing ?? PollPacer.Settings(dense: timing.pollInterval),
                               cadence: cadence)
    }

    /// The runtime's timing as learnt so far (for the next turn).
    var cadence: PollPacer.Cadence { pacer.cadence }

    /// Whether the generate was accepted (the runtime has, or had, this turn's work).
    var generateAccepted: Bool {
        switch state {
        case .generating, .confirmingEnd, .stopping: return true
        case .answeredThenHandOff, .over, .initial, .awaitingIdle, .postingReset, .resetting, .postingGenerate:
            return false
        }
    }

    // MARK: - Events

    /// Starts the turn. `runtimeKnownClean`: the previous turn handed the runtime over idle and
    /// drained on this same connection; otherwise its state is verified first.
    mutating func start(runtimeKnownClean: Bool, at now: Instant) -> Action {
        guard state == .initial else { return unexpected("start") }
        if runtimeKnownClean { return beginFirstTask(at: now) }
        state = .awaitingIdle(then: systemPrompt == nil ? .generate : .reset, quiet: Quiet(), since: now,
                              answered: false)
        return .poll(after: .zero)
    }

    /// The runtime accepted the reset or the generate.
    mutating func accepted(at now: Instant) -> Action {
        switch state {
        case .postingReset:
            state = .resetting(since: now, sawBusy: false, quiet: Quiet())
            return .poll(after: .zero)
        case .postingGenerate:
            state = .generating(since: now, sawBusy: false, textStarted: false, quiet: Quiet())
            pacer.generationAccepted(at: now, promptTokens: promptTokens)
            return .poll(after: .zero)
        default:
            return unexpected("accepted")
        }
    }

    /// The runtime answered the post with "llm is running": a task of someone else's runs (or
    /// one of ours was lost track of). Wait until it is idle, then post again.
    mutating func busy(at now: Instant) -> Action {
        let firstBusy = firstBusyAnswer ?? now
        firstBusyAnswer = firstBusy
        if now - firstBusy >= timing.busyWaitLimit {
            state = .over
            return .restart(reason: "the runtime kept answering \"llm is running\" for "
                + "\(Int(timing.busyWaitLimit.milliseconds)) ms")
        }
        switch state {
        case .postingReset:
            state = .awaitingIdle(then: .reset, quiet: Quiet(), since: firstBusy, answered: false)
        case .postingGenerate:
            state = .awaitingIdle(then: .generate, quiet: Quiet(), since: firstBusy, answered: false)
        default:
            return unexpected("busy")
        }
        return .poll(after: timing.pollInterval)
    }

    /// A poll's answer, arrived at `now` for a poll sent at `sentAt` (nil: at `now`; only the
    /// pacing uses it). Returns what to do with its text and the next action.
    mutating func polled(text: String, done: Bool, at now: Instant, sentAt: Instant? = nil)
        -> (text: Text, next: Action) {
        let hasText = !text.isEmpty
        switch state {
        case .awaitingIdle(let then, var quiet, let since, let answered):
            quiet.observe(done: done && !hasText, at: now)
            if quiet.held(timing.quietPeriod, at: now) {
                return (discarded(text), proceed(to: then, answered: answered, at: now))
            }
            if now - since >= timing.busyWaitLimit {
                state = .over
                return (discarded(text), .restart(reason: "the runtime stayed busy for "
                    + "\(Int(timing.busyWaitLimit.milliseconds / 1000)) s with work the bridge did not post"))
            }
            state = .awaitingIdle(then: then, quiet: quiet, since: since, answered: answered)
            return (discarded(text), .poll(after: hasText ? .zero : timing.pollInterval))

        case .resetting(let since, var sawBusy, var quiet):
            if !done { sawBusy = true }
            quiet.observe(done: done && !hasText, at: now)
            // Seen running and now idle: the reset ran. Never seen running: it ran between two
            // polls, which `quietPeriod` of idleness (longer than any pick-up delay) proves.
            if done, !hasText, sawBusy || quiet.held(timing.quietPeriod, at: now) {
                return (discarded(text), beginGenerate())
            }
            if !sawBusy, now - since >= timing.startTimeout {
                state = .over
                return (discarded(text), .restart(reason: "the runtime accepted a reset but never ran it"))
            }
            state = .resetting(since: since, sawBusy: sawBusy, quiet: quiet)
            return (discarded(text), .poll(after: hasText ? .zero : timing.pollInterval))

        case .generating(let since, var sawBusy, var textStarted, var quiet):
            if hasText {
                textStarted = true
                sawBusy = true
            }
            if !done { sawBusy = true }
            quiet.observe(done: done && !hasText, at: now)
            let pause = pacer.polled(text: hasText, running: !done, at: now, sentAt: sentAt)
            let relay: Text = hasText ? .relay(text) : .none
            if done, textStarted {
                state = .confirmingEnd
                return (relay, .poll(after: .zero))
            }
            if done, sawBusy, quiet.held(timing.emptyReplyGrace, at: now) {
                // Ran and ended without a single chunk (e.g. no room left in the context).
                state = .answeredThenHandOff(clean: true)
                return (relay, .answer(.finished(.stop)))
            }
            if !sawBusy, now - since >= timing.startTimeout {
                state = .over
                return (relay, .restart(reason: "the runtime accepted a generation but never ran it"))
            }
            state = .generating(since: since, sawBusy: sawBusy, textStarted: textStarted, quiet: quiet)
            return (relay, .poll(after: pause))

        case .confirmingEnd:
            let pause = pacer.polled(text: hasText, running: !done, at: now, sentAt: sentAt)
            let relay: Text = hasText ? .relay(text) : .none
            if done {
                state = .answeredThenHandOff(clean: true)
                return (relay, .answer(.finished(.stop)))
            }
            // Still running after all: not the end (the flag can only fall once per run).
            state = .generating(since: now, sawBusy: true, textStarted: true, quiet: Quiet())
            return (relay, .poll(after: pause))

        case .stopping(let firstStop, var lastStop, var textStarted, let confirming, var quiet, let outcome,
                       let answered):
            if hasText { textStarted = true }
            quiet.observe(done: done && !hasText, at: now)
            if done {
                // After this run's text began, `done` is its end; a further poll confirms and
                // drains. Before, only `quietPeriod` of idleness shows it will not start later.
                if textStarted, confirming, !hasText {
                    return (discarded(text), finish(outcome, answered: answered, clean: true))
                }
                if !textStarted, quiet.held(timing.quietPeriod, at: now) {
                    return (discarded(text), finish(outcome, answered: answered, clean: true))
                }
                state = .stopping(firstStop: firstStop, lastStop: lastStop, textStarted: textStarted,
                                  confirming: textStarted, quiet: quiet, outcome: outcome, answered: answered)
                return (discarded(text), .poll(after: textStarted || hasText ? .zero : timing.pollInterval))
            }
            if now - firstStop >= timing.stopGrace {
                state = .over
                return (discarded(text), .restart(reason: "the runtime kept generating "
                    + "\(Int(timing.stopGrace.milliseconds)) ms after /api/stop"))
            }
            // Busy: whatever runs is this turn's generation (one task at a time), and a stop sent
            // before it started was lost; say it again.
            let repeatStop = now - lastStop >= timing.stopRepeatInterval
            if repeatStop { lastStop = now }
            state = .stopping(firstStop: firstStop, lastStop: lastStop, textStarted: textStarted,
                              confirming: false, quiet: quiet, outcome: outcome, answered: answered)
            let pause = hasText ? Duration.zero : timing.pollInterval
            return (discarded(text), repeatStop ? .stopAndPoll(pollAfter: pause) : .poll(after: pause))

        default:
            return (discarded(text), unexpected("polled"))
        }
    }

    /// The reply must end now (the caller left or its deadline passed, or the reply filter saw
    /// a stop sequence, `max_tokens` or the context-full line). Nothing more is relayed.
    mutating func cut(_ cut: Cut, at now: Instant) -> Action {
        let outcome = Self.outcome(of: cut)
        if !generates, state != .over {
            // A reset alone was abandoned (shutdown): nothing of ours will run, so nothing needs
            // settling; the runtime's state is left for the next turn to verify.
            state = .answeredThenHandOff(clean: false)
            return .answer(outcome)
        }
        // Context full is not final for the caller: the session may retry with a shorter history.
        let answerFirst = cut != .contextFull
        switch state {
        case .initial:
            // Nothing was posted and the runtime was clean: nothing to wait for.
            guard answerFirst else { return unexpected("cut before start") }
            state = .answeredThenHandOff(clean: true)
            return .answer(outcome)
        case .postingReset, .resetting, .postingGenerate:
            // Our generate was not posted: wait for the reset (if any) to end, nothing to stop.
            state = .awaitingIdle(then: .handOff, quiet: Quiet(), since: now, answered: answerFirst)
            return answerFirst ? .answer(outcome) : .poll(after: .zero)
        case let .awaitingIdle(_, quiet, since, answered):
            state = .awaitingIdle(then: .handOff, quiet: quiet, since: since, answered: answered || answerFirst)
            return answerFirst && !answered ? .answer(outcome) : .poll(after: timing.pollInterval)
        case let .generating(_, _, textStarted, _):
            state = .stopping(firstStop: now, lastStop: now, textStarted: textStarted, confirming: false,
                              quiet: Quiet(), outcome: outcome, answered: answerFirst)
            return answerFirst ? .answer(outcome) : .stopAndPoll(pollAfter: .zero)
        case .confirmingEnd:
            state = .stopping(firstStop: now, lastStop: now, textStarted: true, confirming: false,
                              quiet: Quiet(), outcome: outcome, answered: answerFirst)
            return answerFirst ? .answer(outcome) : .stopAndPoll(pollAfter: .zero)
        case .stopping, .answeredThenHandOff, .over:
            // Already ending; the first cut decided the outcome.
            return .poll(after: .zero)
        }
    }

    /// The caller has its answer; what the runtime still needs before the slot is released.
    mutating func answered(at now: Instant) -> Action {
        switch state {
        case let .answeredThenHandOff(clean):
            state = .over
            return .handOff(clean: clean)
        case .stopping:
            return .stopAndPoll(pollAfter: .zero)
        case .awaitingIdle:
            return .poll(after: .zero)
        default:
            return unexpected("answered")
        }
    }

    /// An HTTP exchange failed. A connection failure or a protocol error ends the turn (the
    /// session decides about reconnecting); a timeout means the runtime hangs.
    mutating func failed(_ error: RuntimeClientError) -> Action {
        let accepted = generateAccepted
        if case .timedOut = error {
            state = .over
            return .restart(reason: "the runtime stopped answering: \(error)")
        }
        state = .answeredThenHandOff(clean: false)
        return .answer(.failed(error, generateAccepted: accepted))
    }

    // MARK: - Transitions

    private mutating func beginFirstTask(at now: Instant) -> Action {
        if let systemPrompt {
            state = .postingReset
            return .postReset(systemPrompt: systemPrompt)
        }
        return beginGenerate()
    }

    private mutating func beginGenerate() -> Action {
        guard generates else {
            // A reset alone, seen finished: the runtime is idle, holding just the system prompt.
            state = .answeredThenHandOff(clean: true)
            return .answer(.finished(.stop))
        }
        state = .postingGenerate
        return .postGenerate
    }

    private mutating func proceed(to next: Next, answered: Bool, at now: Instant) -> Action {
        switch next {
        case .reset:
            state = .postingReset
            return .postReset(systemPrompt: systemPrompt ?? "")
        case .generate:
            return beginGenerate()
        case .handOff:
            state = .over
            return .handOff(clean: true)
        }
    }

    private mutating func finish(_ outcome: Outcome, answered: Bool, clean: Bool) -> Action {
        if answered {
            state = .over
            return .handOff(clean: clean)
        }
        state = .answeredThenHandOff(clean: clean)
        return .answer(outcome)
    }

    /// A call the driver should never make in this state: end the turn without trusting the
    /// runtime's state, rather than crash the server.
    private mutating func unexpected(_ event: String) -> Action {
        assertionFailure("RuntimeTurnStateMachine: \(event) in \(state)")
        state = .over
        return .handOff(clean: false)
    }

    private func discarded(_ text: String) -> Text {
        text.isEmpty ? .none : .discard(text)
    }

    private static func outcome(of cut: Cut) -> Outcome {
        switch cut {
        case .cancelled: return .cancelled
        case .deadlineExceeded: return .deadlineExceeded
        case .length: return .finished(.length)
        case .stopSequence: return .finished(.stopSequence)
        case .contextFull: return .contextFull
        }
    }
}
