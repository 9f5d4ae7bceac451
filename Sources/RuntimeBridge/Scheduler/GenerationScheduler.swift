/// Admits one generation at a time to the runtime (it has one worker and one KV cache) and keeps
/// the rest in a bounded FIFO queue. A caller `acquire`s the runtime, runs its generation, then
/// `release`s it. Waiting callers hear their position on entry and whenever it changes; they leave
/// the queue when their deadline passes or their task is cancelled.
actor GenerationScheduler {
    /// What the status board needs.
    struct Snapshot: Sendable, Equatable {
        var running: Bool
        var queueDepth: Int
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
        var onPosition: @Sendable (_ position: Int, _ depth: Int) -> Void
        var position: Int
        var expiry: Task<Void, Never>?
    }

    let capacity: Int
    private var running: UInt64?
    private var waiters: [Waiter] = []
    /// Set by `close`: what every later `acquire` throws.
    private var closedBecause: BridgeError?
    private var recentDurations: [Double] = []
    private let onChange: @Sendable (Snapshot) -> Void

    /// `onChange` hears every change of the running flag or the queue depth, in order, on this
    /// actor: a listener that applies it synchronously (under a lock) keeps that order.
    init(capacity: Int, onChange: @escaping @Sendable (Snapshot) -> Void = { _ in }) {
        self.capacity = max(1, capacity)
        self.onChange = onChange
    }

    var snapshot: Snapshot { Snapshot(running: running != nil, queueDepth: waiters.count) }

    /// Returns when `id` may use the runtime. Throws `BridgeError.queueFull` at once when the
    /// queue is full, `.deadlineExceeded` when `deadline` passes in the queue, `.cancelled` when
    /// the task is cancelled. `onPosition` hears (position, depth) while waiting; 1 runs next.
    func acquire(id: UInt64, deadline: ContinuousClock.Instant?,
                 onPosition: @escaping @Sendable (_ position: Int, _ depth: Int) -> Void) async throws {
        if Task.isCancelled { throw BridgeError.cancelled }
        if let closedBecause { throw closedBecause }
        if running == nil, waiters.isEmpty {
            running = id
            publish()
            return
        }
        guard waiters.count < capacity else {
            throw BridgeError.queueFull(capacity: capacity, retryAfterMilliseconds: retryAfterMilliseconds())
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Runs on this actor before any other of its jobs, so a cancellation that arrived
                // earlier is seen here and one that arrives later finds the waiter queued.
                if Task.isCancelled {
                    continuation.resume(throwing: BridgeError.cancelled)
                    return
                }
                var expiry: Task<Void, Never>?
                if let deadline {
                    expiry = Task { [weak self] in
                        guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                        await self?.remove(id, because: .deadline)
                    }
                }
                waiters.append(Waiter(id: id, continuation: continuation, onPosition: onPosition,
                                      position: waiters.count + 1, expiry: expiry))
                onPosition(waiters.count, waiters.count)
                notifyPositions()
                publish()
            }
        } onCancel: {
            Task { await self.remove(id, because: .cancellation) }
        }
    }

    /// The runtime is free again; `duration` (how long `id` held it) feeds the retry estimate.
    /// Returns true when nobody else took it (the queue is empty): time for idle-time work.
    @discardableResult
    func release(id: UInt64, heldFor duration: Duration?) -> Bool {
        guard running == id else { return false }
        if let duration {
            recentDurations.append(duration.milliseconds)
            if recentDurations.count > 10 { recentDurations.removeFirst() }
        }
        running = nil
        if !waiters.isEmpty {
            let next = waiters.removeFirst()
            next.expiry?.cancel()
            running = next.id
            next.continuation.resume()
            notifyPositions()
        }
        publish()
        return running == nil
    }

    /// Ends every waiter with `error` and makes every later `acquire` throw it; the running
    /// generation (if any) goes on. Returns how many waiters were ended.
    @discardableResult
    func close(with error: BridgeError) -> Int {
        closedBecause = error
        let ended = waiters
        waiters.removeAll()
        for waiter in ended {
            waiter.expiry?.cancel()
            waiter.continuation.resume(throwing: error)
        }
        if !ended.isEmpty { publish() }
        return ended.count
    }

    private enum Removal { case deadline, cancellation }

    private func remove(_ id: UInt64, because reason: Removal) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.expiry?.cancel()
        switch reason {
        case .deadline:
            waiter.continuation.resume(throwing: BridgeError.deadlineExceeded(
                "the deadline passed while waiting in the queue (position \(waiter.position) of \(waiters.count + 1))"))
        case .cancellation:
            waiter.continuation.resume(throwing: BridgeError.cancelled)
        }
        notifyPositions()
        publish()
    }

    /// Tells every waiter whose position changed.
    private func notifyPositions() {
        let depth = waiters.count
        for index in waiters.indices where waiters[index].position != index + 1 {
            waiters[index].position = index + 1
            waiters[index].onPosition(index + 1, depth)
        }
    }

    /// About how long until a new request would start: everyone ahead, at the recent average.
    private func retryAfterMilliseconds() -> Int {
        let average = recentDurations.isEmpty ? 2000 : recentDurations.reduce(0, +) / Double(recentDurations.count)
        let ahead = waiters.count + (running == nil ? 0 : 1)
        return max(100, Int(average * Double(ahead)))
    }

    private func publish() {
        onChange(snapshot)
    }
}
