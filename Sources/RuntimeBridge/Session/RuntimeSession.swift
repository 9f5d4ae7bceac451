import Logging
import NIOCore

/// The runtime as seen by the request that holds the scheduler's slot: waits for it to be ready,
/// keeps one client per runtime incarnation, remembers the conversation its KV cache holds and
/// whether the last turn handed it over clean, plans each turn (continue or reset), runs it with a
/// `RuntimeTurnDriver`, and recovers (context full, stale connection). Only the slot holder calls
/// in, so the actor never interleaves two requests.
actor RuntimeSession {
    /// One request's part, already validated and resolved.
    struct Work: Sendable {
        var job: GenerationRequest.Job
        var sampling: ResolvedSampling
        var stops: [String]
        var maxTokens: Int?
        var deadline: ContinuousClock.Instant?
        var logger: Logger
        /// The event loop the caller runs on, if any: the turn runs there, over a runtime
        /// connection of that loop, so its text reaches the caller on the caller's thread.
        var loop: (any EventLoop)?
    }

    /// What the caller hears: the end, and what the summary is made of.
    struct Result: Sendable {
        enum End: Sendable, Equatable {
            case finished(GenerationSummary.FinishReason)
            case failed(BridgeError)
        }

        var end: End
        var contextReused = false
        var promptTokens = 0
        var completionTokens = 0
        var timeline = TurnTimeline()
    }

    let host: any RuntimeHost
    let planner: ConversationPlanner
    let tuning: BridgeTuning
    private let group: any EventLoopGroup
    /// Runtime-level trouble (death, hang) for the status's `lastError`.
    let onRuntimeError: @Sendable (String) -> Void
    private(set) var client: RuntimeClient?
    private var clientIncarnation: RuntimeIncarnation?
    /// What the KV cache holds; nil when unknown or not continuable.
    private(set) var held: HeldConversation?
    /// The last turn on this client handed the runtime over idle, with nothing pending and the
    /// text queue drained; otherwise the next turn verifies that first.
    var runtimeClean = false
    /// The runtime's chunk cadence and prefill times, learnt turn by turn: polls are paced by it.
    var cadence = PollPacer.Cadence()
    /// What an idle-time reset left in the KV cache (see `RuntimeSession+Idle.swift`); a plan
    /// that would reset to the same system prompt on the same incarnation skips its reset.
    var prepared: PreparedRuntime?
    /// The idle-time reset in progress, and the signal that abandons it.
    var preparation: Task<Void, Never>?
    var preparationCancel: CancelSignal?
    /// Requests inside `execute` (0 or 1: only the slot holder calls in); no idle-time work
    /// starts while one is.
    var activeRequests = 0

    init(host: any RuntimeHost, model: ModelConfiguration, tuning: BridgeTuning, group: any EventLoopGroup,
         onRuntimeError: @escaping @Sendable (String) -> Void) {
        self.host = host
        self.planner = ConversationPlanner(defaultSystemPrompt: model.defaultSystemPrompt,
                                           contextTokens: model.contextTokens)
        self.tuning = tuning
        self.group = group
        self.onRuntimeError = onRuntimeError
    }

    /// Runs `work` and calls `answer` exactly once, as soon as the caller's outcome is known
    /// (possibly while the runtime is still being stopped). Returns when the runtime is handed
    /// over; a non-nil result is the reason it must be restarted before anyone else uses it.
    func execute(_ work: Work, cancel: CancelSignal, emit: @escaping @Sendable (String) -> Void,
                 answer: @escaping @Sendable (Result) -> Void) async -> String? {
        let logger = work.logger
        activeRequests += 1
        defer { activeRequests -= 1 }
        // One task at a time: an idle-time reset still running is waited for (its remainder
        // only); the plan below then finds the runtime prepared, or not, as it turned out.
        if let preparation {
            logger.debug("waiting for the idle-time reset to finish")
            await preparation.value
        }
        let failureBefore = await host.lastFailure()
        var reconnects = 0
        var contextRetryPlan: TurnPlan?

        while true {
            let incarnation: RuntimeIncarnation
            do {
                incarnation = try await waitForRuntime(deadline: work.deadline)
            } catch {
                answer(Result(end: .failed(error)))
                return nil
            }
            let client = client(for: incarnation)
            var plan = contextRetryPlan ?? planner.plan(work.job, maxTokens: work.maxTokens, held: held,
                                                        incarnation: incarnation.id)
            let isRetry = contextRetryPlan != nil
            contextRetryPlan = nil
            let usesPreparation = usePreparation(for: &plan, incarnation: incarnation.id)
            // Whatever happens next changes what the cache holds; it is recorded again on success.
            held = nil
            prepared = nil
            if usesPreparation {
                logger.debug("the idle-time reset already prepared the runtime", metadata: [
                    "incarnation": "\(incarnation.id)", "prompt_tokens_est": "\(plan.promptTokens)"])
            } else if let reason = plan.resetReason {
                logger.debug("resetting the runtime", metadata: [
                    "reason": "\(reason)", "incarnation": "\(incarnation.id)",
                    "dropped_turns": "\(plan.droppedTurns)", "prompt_tokens_est": "\(plan.promptTokens)"])
            } else {
                logger.debug("continuing the held conversation", metadata: [
                    "incarnation": "\(incarnation.id)", "turns": "\(plan.dialog.count)"])
            }

            let turn = RuntimeTurnDriver.Turn(work: work, resetSystemPrompt: plan.resetSystemPrompt,
                                              prompt: plan.prompt, runtimeKnownClean: runtimeClean,
                                              cadence: cadence)
            let loop = work.loop ?? client.eventLoop
            let driver = RuntimeTurnDriver(client: client, loop: loop, timing: tuning.turnTiming, logger: logger)
            let base = Result(end: .failed(.cancelled), contextReused: plan.contextReused && !usesPreparation,
                              promptTokens: plan.promptTokens)
            // The driver must keep pacing its polls while it stops and settles the runtime after
            // the caller left, so it runs in a task that the caller's cancellation does not reach
            // (the `cancel` signal does).
            let report = await loop.startTask {
                await driver.run(turn, cancel: cancel, emit: emit) { report in
                    if let result = Self.earlyAnswer(report, base: base) { answer(result) }
                }
            }.value
            runtimeClean = report.clean
            cadence = report.cadence
            logger.debug("turn handed over", metadata: [
                "polls": "\(report.polls)",
                "chunk_interval_ms": "\(report.cadence.chunkInterval.map { Int($0.milliseconds) } ?? -1)"])
            if let reason = report.restartReason {
                onRuntimeError(reason)
                logger.error("the runtime misbehaves; it will be restarted", metadata: ["reason": "\(reason)"])
            }

            switch report.outcome {
            case let .finished(reason):
                if reason == .stop {
                    held = planner.held(after: plan, reply: report.reply, incarnation: incarnation.id)
                }
                return report.restartReason

            case .cancelled, .deadlineExceeded:
                return report.restartReason

            case .contextFull:
                if let reason = report.restartReason {
                    answer(Result(end: .failed(.unavailable(Self.restartMessage))))
                    return reason
                }
                if report.reply.isEmpty, !isRetry,
                   let retry = planner.replan(afterContextFull: plan, maxTokens: work.maxTokens) {
                    contextRetryPlan = retry
                    logger.info("the runtime's context is full; retrying after a reset without the oldest turns",
                                metadata: ["dropped_turns": "\(retry.droppedTurns)"])
                    continue
                }
                logger.info("the runtime's context is full", metadata: ["reply_chars": "\(report.reply.count)"])
                var result = base
                result.end = .failed(.contextFull(contextFullMessage(plan, midReply: !report.reply.isEmpty)))
                answer(result)
                return nil

            case let .hung(reason):
                answer(Result(end: .failed(.unavailable(Self.restartMessage))))
                return reason

            case let .failed(error, accepted):
                if error.isConnectionFailure, !accepted, reconnects < tuning.reconnectAttempts {
                    reconnects += 1
                    logger.debug("the runtime was not reachable; waiting for it again",
                                 metadata: ["error": "\(error)", "attempt": "\(reconnects)"])
                    await pause(attempt: reconnects)
                    continue
                }
                if error.isConnectionFailure {
                    answer(Result(end: .failed(await unreachable(error, since: failureBefore, generating: accepted,
                                                                 logger: logger))))
                    return nil
                }
                logger.error("the runtime answered unexpectedly", metadata: ["error": "\(error)"])
                onRuntimeError("the runtime answered unexpectedly: \(error)")
                answer(Result(end: .failed(.unavailable(
                    "the runtime gave an answer the server does not understand; it has been logged"))))
                return nil
            }
        }
    }

    static let restartMessage = "the runtime stopped responding and is being restarted; retry shortly"

    /// The caller's answer as soon as the driver knows it, for outcomes that are final (the
    /// others are decided after the runtime is handed over: a retry may follow).
    private static func earlyAnswer(_ report: RuntimeTurnDriver.Report, base: Result) -> Result? {
        var result = base
        result.completionTokens = report.completionTokens
        result.timeline = report.timeline
        switch report.outcome {
        case let .finished(reason):
            result.end = .finished(reason)
        case .cancelled:
            result.end = .failed(.cancelled)
        case .deadlineExceeded:
            result.end = .failed(.deadlineExceeded(
                "the deadline passed while generating (\(report.completionTokens) tokens were sent)"))
        case .contextFull, .failed, .hung:
            return nil
        }
        return result
    }

    private func contextFullMessage(_ plan: TurnPlan, midReply: Bool) -> String {
        let size = planner.contextTokens
        if midReply {
            return "the model's context of \(size) tokens filled up during the reply; "
                + "start a new conversation or ask for a shorter reply"
        }
        if !plan.isChat {
            return "the prompt does not fit the model's context of \(size) tokens; send a shorter prompt"
        }
        return "the conversation no longer fits the model's context of \(size) tokens; "
            + "start a new conversation or send fewer/shorter messages"
    }

    /// The client for `incarnation`; a new runtime process gets a new connection, and its state
    /// is verified before the first turn.
    func client(for incarnation: RuntimeIncarnation) -> RuntimeClient {
        if let client, clientIncarnation == incarnation { return client }
        if let old = client { Task { await old.close() } }
        let timeout = TimeAmount.nanoseconds(Int64(tuning.requestTimeout.milliseconds * 1_000_000))
        let fresh = RuntimeClient(host: incarnation.host, port: incarnation.port, eventLoopGroup: group,
                                  requestTimeout: timeout)
        client = fresh
        clientIncarnation = incarnation
        runtimeClean = false
        prepared = nil
        return fresh
    }

    /// Forgets the held conversation and what the runtime's state was.
    func forgetConversation() {
        held = nil
        prepared = nil
        runtimeClean = false
    }
}
