/// The supervisor's event loop: every state change happens here, one event at a time.
extension RuntimeSupervisor {
    enum Event: Sendable {
        case start
        case stopRequested
        case restartRequested(String)
        /// Something a program of generation `generation` reported.
        case process(generation: Int, role: String, ProcessEvent)
        /// `role` of `generation` accepts TCP connections.
        case accepting(generation: Int, role: String)
        case startupTimedOut(generation: Int)
        case backoffElapsed(generation: Int)
        /// Attach mode: the result of one probe.
        case attachedProbe(accepting: Bool)
    }

    func run() async {
        for await event in events {
            switch plan.mode {
            case let .launch(runtime, tokenizer):
                await handleLaunchEvent(event, runtime: runtime, tokenizer: tokenizer)
            case let .attach(endpoint):
                handleAttachEvent(event, endpoint: endpoint)
            }
            if state == .stopped { break }
        }
    }

    /// Final state: nothing runs; tell everyone and end the subscriptions.
    func enterStopped() {
        cancelGenerationTasks()
        state = .stopped
        incarnation = nil
        snapshot.phase = .stopped
        publish()
        failWaiters(with: .unavailable("the runtime has been stopped (the server is shutting down)"))
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
        for waiter in stopWaiters { waiter.resume() }
        stopWaiters.removeAll()
        eventSink.finish()
    }

    /// Starts `operation` as a task of the current generation: cancelled when the generation
    /// becomes ready or ends, or the supervisor stops.
    func addGenerationTask(_ operation: @escaping @Sendable () async -> Void) {
        generationTasks.append(Task { await operation() })
    }

    func cancelGenerationTasks() {
        for task in generationTasks { task.cancel() }
        generationTasks.removeAll()
    }

    /// Posts `event` after `delay`, unless the generation's tasks are cancelled first.
    func schedule(_ event: Event, after delay: Duration) {
        let sink = eventSink
        addGenerationTask {
            do { try await Task.sleep(for: delay) } catch { return }
            sink.yield(event)
        }
    }

    var elapsedInGeneration: Duration { ContinuousClock.now - generationStartedAt }
}
