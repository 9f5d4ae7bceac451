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

    /// Asks the supervisor for a new runtime process; what the old one held is gone.
    func restartRuntime(reason: String, logger: Logger) async {
        forgetConversation()
        logger.error("asking the supervisor to restart the runtime", metadata: ["reason": "\(reason)"])
        await host.restart(reason: reason)
    }

    /// The error for a runtime that cannot be reached, quoting why it died when the supervisor
    /// knows (it may learn of the exit a moment after the connection broke).
    func unreachable(_ error: RuntimeClientError, since failureBefore: String?, generating: Bool,
                     logger: Logger) async -> BridgeError {
        forgetConversation()
        let reason = await freshFailure(since: failureBefore) ?? "the connection to it failed"
        let message = generating ? "the runtime exited while generating: \(reason)"
            : "the runtime is not reachable: \(reason)"
        logger.error("the runtime is not reachable", metadata: ["error": "\(error)", "reason": "\(reason)"])
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
