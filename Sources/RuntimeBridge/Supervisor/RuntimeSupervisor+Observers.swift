/// Snapshot subscribers and callers of `waitUntilReady`.
extension RuntimeSupervisor {
    func subscribe(_ continuation: AsyncStream<SupervisorSnapshot>.Continuation) {
        // The consumer may have gone before this registration ran: then there is nothing to keep.
        if case .terminated = continuation.yield(snapshot) { return }
        guard state != .stopped else {
            continuation.finish()
            return
        }
        let token = takeToken()
        subscribers[token] = continuation
        continuation.onTermination = { _ in
            Task { await self.unsubscribe(token) }
        }
    }

    func unsubscribe(_ token: Int) {
        subscribers[token] = nil
    }

    /// Sends the snapshot to every subscriber if it changed.
    func publish() {
        guard snapshot != lastPublished else { return }
        lastPublished = snapshot
        for continuation in subscribers.values { continuation.yield(snapshot) }
    }

    func takeToken() -> Int {
        nextToken += 1
        return nextToken
    }

    /// The runtime accepts connections: a new incarnation, phase ready, waiters released.
    func becomeReady(endpoint: RuntimeEndpoint, after startup: Duration?) {
        let ready = RuntimeIncarnation(id: nextIncarnationID, host: endpoint.host, port: endpoint.port)
        nextIncarnationID += 1
        incarnation = ready
        snapshot.phase = .ready
        publish()
        logger.info("runtime ready", metadata: [
            "url": "\(endpoint.url)", "after": "\(startup.map(\.readable) ?? "")",
            "incarnation": "\(ready.id)", "restarts": "\(snapshot.restarts)"])
        if plan.emulated {
            logger.warning("serving with the BUILT-IN EMULATOR: no NPU is used, answers do not come from a real model")
        }
        for (token, waiter) in readyWaiters {
            waiter.deadlineTask?.cancel()
            waiter.continuation.resume(returning: ready)
            readyWaiters[token] = nil
        }
    }

    func failWaiters(with error: BridgeError) {
        for waiter in readyWaiters.values {
            waiter.deadlineTask?.cancel()
            waiter.continuation.resume(throwing: error)
        }
        readyWaiters.removeAll()
    }

    /// Why no runtime will come without outside help (failed, stopped); nil while there is hope.
    var unavailableError: BridgeError? {
        switch snapshot.phase {
        case .failed:
            return .unavailable("the runtime has failed and will not be restarted: \(snapshot.lastError)")
        case .stopped:
            return .unavailable("the runtime has been stopped (the server is shutting down)")
        default:
            return nil
        }
    }

    func awaitReady(deadline: ContinuousClock.Instant?) async throws -> RuntimeIncarnation {
        if snapshot.phase == .ready, let incarnation { return incarnation }
        if let error = unavailableError { throw error }
        if let deadline, deadline <= .now { throw deadlineError() }
        try Task.checkCancellation()
        let token = takeToken()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                var deadlineTask: Task<Void, Never>?
                if let deadline {
                    deadlineTask = Task {
                        do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return }
                        self.expireWaiter(token)
                    }
                }
                readyWaiters[token] = ReadyWaiter(continuation: continuation, deadlineTask: deadlineTask)
            }
        } onCancel: {
            Task { await self.cancelWaiter(token) }
        }
    }

    private func expireWaiter(_ token: Int) {
        guard let waiter = readyWaiters.removeValue(forKey: token) else { return }
        waiter.continuation.resume(throwing: deadlineError())
    }

    private func cancelWaiter(_ token: Int) {
        guard let waiter = readyWaiters.removeValue(forKey: token) else { return }
        waiter.deadlineTask?.cancel()
        waiter.continuation.resume(throwing: BridgeError.cancelled)
    }

    private func deadlineError() -> BridgeError {
        var message = "the runtime was not ready before the deadline (it is \(snapshot.phase))"
        if !snapshot.lastError.isEmpty { message += "; last error: \(snapshot.lastError)" }
        return .deadlineExceeded(message)
    }
}
