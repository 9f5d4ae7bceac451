import Logging

extension RuntimeSession {
    /// Waits for the supervisor to report the runtime ready, bounded by the deadline and
    /// interrupted by cancellation even if the host's wait is not.
    func waitForRuntime(deadline: ContinuousClock.Instant?) async throws(BridgeError) -> RuntimeIncarnation {
        let host = self.host
        do {
            return try await CancellableWait.run(onCancel: BridgeError.cancelled) {
                try await host.waitUntilReady(deadline: deadline)
            }
        } catch let error as BridgeError {
            throw error
        } catch {
            throw .unavailable("the runtime is not ready: \(error)")
        }
    }

    /// After a stop (or an abandoned generation): polls until the runtime is idle, repeating the
    /// stop (one sent before the run began is lost), and restarts the runtime when it stays busy
    /// past `stopGrace`, i.e. it hangs. Runs after the caller got its answer, while the slot is
    /// still held, so the next request finds an idle runtime. Whatever the runtime generated is
    /// not what the client saw, so the held conversation is gone.
    func settle(sawRunning: Bool, logger: Logger) async {
        forgetConversation()
        guard let client else { return }
        let start = ContinuousClock.now
        var lastStop = start
        var running = sawRunning
        var doneSince: ContinuousClock.Instant?
        while true {
            let poll: RuntimePoll
            do {
                poll = try await client.poll()
            } catch {
                // Gone or wedged: the next request waits for the supervisor (or times out again).
                logger.warning("while waiting for the runtime to stop: \(error)")
                return
            }
            if !poll.done {
                running = true
                doneSince = nil
            } else if running || GenerationLoop.elapsed(since: &doneSince) >= tuning.earlyDoneGrace {
                logger.debug("the runtime is idle again after \(Int((ContinuousClock.now - start).milliseconds)) ms")
                return
            }
            let now = ContinuousClock.now
            if now - start >= tuning.stopGrace {
                let reason = "the runtime kept generating \(Int(tuning.stopGrace.milliseconds)) ms after /api/stop"
                onRuntimeError(reason)
                await restartRuntime(reason: reason, logger: logger)
                return
            }
            if now - lastStop >= tuning.stopRepeatInterval {
                lastStop = now
                try? await client.stop()
            }
            try? await Task.sleep(for: max(tuning.pollInterval, .milliseconds(10)))
        }
    }

    /// Asks the supervisor for a new runtime process; what the old one held is gone.
    func restartRuntime(reason: String, logger: Logger) async {
        forgetConversation()
        logger.error("asking the supervisor to restart the runtime: \(reason)")
        await host.restart(reason: reason)
    }

    /// The error for a runtime that cannot be reached, quoting why it died when the supervisor
    /// knows (it may learn of the exit a moment after the connection broke).
    func unreachable(_ error: RuntimeClientError, since failureBefore: String?, generating: Bool,
                     logger: Logger) async -> BridgeError {
        let reason = await freshFailure(since: failureBefore) ?? error.description
        let message = generating ? "the runtime exited while generating: \(reason)"
            : "the runtime is not reachable: \(reason)"
        logger.error("\(message)", metadata: ["connection_error": "\(error)"])
        onRuntimeError(message)
        return .unavailable(message)
    }

    private func freshFailure(since before: String?) async -> String? {
        let end = ContinuousClock.now + tuning.deathReportGrace
        while true {
            let current = await host.lastFailure()
            if let current, current != before { return current }
            if ContinuousClock.now >= end || Task.isCancelled { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Backoff before looking for the runtime again after a refused connection.
    func pause(attempt: Int) async {
        try? await Task.sleep(for: .milliseconds(100 * attempt * attempt))
    }
}
