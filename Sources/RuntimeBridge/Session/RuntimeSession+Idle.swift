import Logging

/// What an idle-time reset left in the runtime: its KV cache holds `systemPrompt` alone, the
/// runtime is idle and drained.
struct PreparedRuntime: Sendable, Equatable {
    var incarnation: Int
    var systemPrompt: String
}

/// Idle-time preparation: a stateless request (Generate, or a Chat that must reset) pays for a
/// reset, which on hardware prefills the system prompt (~1.2 s) before its own prompt. When the
/// queue empties and no conversation worth continuing is held, the session resets the runtime to
/// the default system prompt in the background, so that the next such request starts at once.
/// A held conversation (after a Chat that ended by itself) is kept: its continuation is cheaper.
///
/// The background reset is a turn like any other (`RuntimeTurnDriver`, reset only), run only
/// while no request is inside `execute`; a request that arrives meanwhile waits for its
/// remainder before it plans (one task at a time). Its failures fail nobody: the runtime's state
/// is then unknown or unprepared and the next request resets as usual.
extension RuntimeSession {
    /// Starts the idle-time reset if it can help: enabled, nobody inside, nothing worth keeping,
    /// not already prepared or preparing.
    func prepareWhenIdle(logger: Logger) {
        guard tuning.prepareWhenIdle, activeRequests == 0, preparation == nil, held == nil, prepared == nil
        else { return }
        let cancel = CancelSignal()
        preparationCancel = cancel
        preparation = Task { await self.runPreparation(cancel: cancel, logger: logger) }
    }

    /// Abandons the idle-time reset (shutdown): its pauses end at once and it stops waiting for
    /// the runtime as soon as the reset it may have posted is seen to end. Returns when it did.
    func abandonPreparation() async {
        preparationCancel?.fire()
        await preparation?.value
    }

    /// Skips the plan's reset when the runtime already holds exactly what it would produce.
    /// Returns whether it did.
    func usePreparation(for plan: inout TurnPlan, incarnation: Int) -> Bool {
        guard let prepared, prepared.incarnation == incarnation, runtimeClean,
              let system = plan.resetSystemPrompt, system == prepared.systemPrompt else { return false }
        plan.resetSystemPrompt = nil
        plan.resetReason = nil
        return true
    }

    private func runPreparation(cancel: CancelSignal, logger: Logger) async {
        defer {
            preparation = nil
            preparationCancel = nil
        }
        // Only a runtime that is up: a starting one is reset by the first request anyway.
        guard !cancel.isFired, let incarnation = try? await waitForRuntime(deadline: ContinuousClock.now) else { return }
        let system = planner.defaultSystemPrompt
        let work = Work(job: .generate(prompt: "", system: nil),
                        sampling: ResolvedSampling(temperature: 0, selection: .topK(1)),
                        stops: [], maxTokens: nil, deadline: nil, logger: logger)
        let turn = RuntimeTurnDriver.Turn(work: work, resetSystemPrompt: system, prompt: "",
                                          runtimeKnownClean: runtimeClean, cadence: cadence, generates: false)
        let client = client(for: incarnation)
        let loop = client.eventLoop
        let driver = RuntimeTurnDriver(client: client, loop: loop, timing: tuning.turnTiming, logger: logger)
        logger.debug("idle: resetting the runtime to the default system prompt",
                     metadata: ["incarnation": "\(incarnation.id)"])
        let started = ContinuousClock.now
        // Not cancelled by anyone's task cancellation: like a request's turn it settles the
        // runtime before it ends (`cancel` shortens it).
        let report = await loop.startTask { await driver.run(turn, cancel: cancel, emit: { _ in }) { _ in } }.value
        runtimeClean = report.clean
        if let reason = report.restartReason {
            onRuntimeError(reason)
            await restartRuntime(reason: reason, logger: logger)
            return
        }
        guard report.clean, report.outcome == .finished(.stop), !cancel.isFired else {
            logger.debug("idle: the reset did not complete; the next request resets",
                         metadata: ["outcome": "\(report.outcome)"])
            return
        }
        prepared = PreparedRuntime(incarnation: incarnation.id, systemPrompt: system)
        logger.debug("idle: the runtime is prepared",
                     metadata: ["ms": "\(Int((ContinuousClock.now - started).milliseconds))"])
    }
}
