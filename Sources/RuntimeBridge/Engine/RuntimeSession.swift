import Logging
import NIOCore

/// The runtime as seen by the request that holds the scheduler's slot: waits for it to be ready,
/// keeps one client per runtime incarnation, remembers the conversation its KV cache holds,
/// resets or continues it, runs the generation, and recovers (context full, stale connection).
/// Only the slot holder calls in, so the actor never interleaves two requests.
actor RuntimeSession {
    /// One request's part, already validated and resolved.
    struct Work: Sendable {
        var job: GenerationRequest.Job
        var sampling: ResolvedSampling
        var stops: [String]
        var maxTokens: Int?
        var deadline: ContinuousClock.Instant?
        var logger: Logger
    }

    struct Result: Sendable {
        enum End: Sendable, Equatable {
            case finished(GenerationSummary.FinishReason)
            case failed(BridgeError)
        }

        var end: End
        var contextReused = false
        var promptTokens = 0
        var completionTokens = 0
        var firstTextAt: ContinuousClock.Instant?
        /// The runtime may still be generating: call `settle` before releasing the slot.
        var needsSettle = false
        var sawRunning = false
        /// The runtime hangs: call `restartRuntime` before releasing the slot (after answering,
        /// since the supervisor may take a while).
        var restartReason: String?
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

    init(host: any RuntimeHost, model: ModelConfiguration, tuning: BridgeTuning, group: any EventLoopGroup,
         onRuntimeError: @escaping @Sendable (String) -> Void) {
        self.host = host
        self.planner = ConversationPlanner(defaultSystemPrompt: model.defaultSystemPrompt,
                                           contextTokens: model.contextTokens)
        self.tuning = tuning
        self.group = group
        self.onRuntimeError = onRuntimeError
    }

    func execute(_ work: Work, emit: @escaping @Sendable (String) -> Void) async -> Result {
        let logger = work.logger
        let failureBefore = await host.lastFailure()
        var reconnects = 0
        var contextRetryPlan: TurnPlan?
        var contextRetried = false

        while true {
            let incarnation: RuntimeIncarnation
            do {
                incarnation = try await waitForRuntime(deadline: work.deadline)
            } catch {
                return Result(end: .failed(error))
            }
            let client = client(for: incarnation)
            let plan = contextRetryPlan ?? planner.plan(work.job, maxTokens: work.maxTokens, held: held,
                                                        incarnation: incarnation.id)
            contextRetryPlan = nil
            // Whatever happens next changes what the cache holds; it is recorded again on success.
            held = nil

            if let system = plan.resetSystemPrompt {
                do {
                    try await client.reset(systemPrompt: system)
                    logger.info("reset: \(plan.resetReason ?? "")", metadata: [
                        "incarnation": "\(incarnation.id)", "dropped_turns": "\(plan.droppedTurns)",
                        "prompt_tokens_est": "\(plan.promptTokens)"])
                } catch {
                    if error.isConnectionFailure, reconnects < tuning.reconnectAttempts {
                        reconnects += 1
                        logger.warning("reset failed, waiting for the runtime again: \(error)")
                        await pause(attempt: reconnects)
                        continue
                    }
                    var result = Result(end: .failed(.cancelled))
                    (result.end, result.restartReason) = await failure(error, accepted: false, since: failureBefore,
                                                                       logger: logger)
                    return result
                }
            } else {
                logger.info("continuing the held conversation without reset", metadata: [
                    "incarnation": "\(incarnation.id)", "turns": "\(plan.dialog.count)"])
            }

            let loop = GenerationLoop(client: client, tuning: tuning, logger: logger)
            let outcome = await loop.run(prompt: plan.prompt, sampling: work.sampling, stops: work.stops,
                                         maxTokens: work.maxTokens, deadline: work.deadline, emit: emit)
            var result = Result(end: .failed(.cancelled), contextReused: plan.contextReused,
                                promptTokens: plan.promptTokens, completionTokens: outcome.completionTokens,
                                firstTextAt: outcome.firstTextAt, needsSettle: outcome.runtimeMayBeBusy,
                                sawRunning: outcome.sawRunning)
            switch outcome.end {
            case let .finished(reason):
                if reason == .stop {
                    held = planner.held(after: plan, reply: outcome.reply, incarnation: incarnation.id)
                }
                result.end = .finished(reason)
            case .contextFull:
                if outcome.reply.isEmpty, !contextRetried,
                   let retry = planner.replan(afterContextFull: plan, maxTokens: work.maxTokens) {
                    contextRetried = true
                    contextRetryPlan = retry
                    logger.warning("the runtime's context is full; retrying after a reset without the oldest turns",
                                   metadata: ["dropped_turns": "\(retry.droppedTurns)"])
                    continue
                }
                logger.warning("the runtime's context is full; giving up", metadata: ["reply_chars": "\(outcome.reply.count)"])
                result.end = .failed(.contextFull(contextFullMessage(plan, midReply: !outcome.reply.isEmpty)))
            case .cancelled:
                result.end = .failed(.cancelled)
            case .deadlineExceeded:
                result.end = .failed(.deadlineExceeded(
                    "the deadline passed while generating (\(outcome.completionTokens) tokens, estimated, were sent)"))
            case .busy:
                let message = "the runtime stayed busy (\"llm is running\") after a reset; stopping it"
                onRuntimeError(message)
                result.end = .failed(.unavailable(message))
                result.needsSettle = true
            case let .failed(error):
                if error.isConnectionFailure, !outcome.accepted, reconnects < tuning.reconnectAttempts {
                    reconnects += 1
                    logger.warning("generate failed, waiting for the runtime again: \(error)")
                    await pause(attempt: reconnects)
                    continue
                }
                (result.end, result.restartReason) = await failure(error, accepted: outcome.accepted,
                                                                   since: failureBefore, logger: logger)
                result.needsSettle = outcome.accepted && !error.isConnectionFailure && result.restartReason == nil
            }
            return result
        }
    }

    /// The error for the caller, and a restart reason when the runtime hangs.
    private func failure(_ error: RuntimeClientError, accepted: Bool, since failureBefore: String?,
                         logger: Logger) async -> (Result.End, String?) {
        if error.isConnectionFailure {
            return (.failed(await unreachable(error, since: failureBefore, generating: accepted, logger: logger)), nil)
        }
        if case .timedOut = error {
            let reason = "the runtime stopped answering: \(error)"
            logger.error("\(reason)")
            onRuntimeError(reason)
            return (.failed(.unavailable(reason + "; it is being restarted")), reason)
        }
        logger.error("the runtime answered unexpectedly: \(error)")
        return (.failed(.unavailable("the runtime answered unexpectedly: \(error)")), nil)
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

    /// The client for `incarnation`; a new runtime process gets a new connection.
    private func client(for incarnation: RuntimeIncarnation) -> RuntimeClient {
        if let client, clientIncarnation == incarnation { return client }
        if let old = client { Task { await old.close() } }
        let timeout = TimeAmount.nanoseconds(Int64(tuning.requestTimeout.milliseconds * 1_000_000))
        let fresh = RuntimeClient(host: incarnation.host, port: incarnation.port, eventLoopGroup: group,
                                  requestTimeout: timeout)
        client = fresh
        clientIncarnation = incarnation
        return fresh
    }

    /// Forgets the held conversation (the engine calls this when it cannot know what the runtime holds).
    func forgetConversation() {
        held = nil
    }
}
