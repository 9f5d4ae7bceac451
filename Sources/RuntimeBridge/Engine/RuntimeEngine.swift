import Foundation
import Logging
import NIOCore

/// The `InferenceEngine` for the AX650 runtime: validates requests, queues them in a
/// `GenerationScheduler`, runs them through a `RuntimeSession` on the runtime a `RuntimeHost`
/// supervises, and reports status merged from the host, the queue and its own errors.
public final class RuntimeEngine: InferenceEngine {
    private let host: any RuntimeHost
    private let model: ModelConfiguration
    private let emulated: Bool
    private let logger: Logger
    private let scheduler: GenerationScheduler
    private let session: RuntimeSession
    private let board: StatusBoard
    private let ids = SequenceNumbers()
    private let hostWatcher: Task<Void, Never>
    private let group: any EventLoopGroup
    private let inFlight = InFlightGenerations()

    /// What a generation refused or ended by shutdown hears (UNAVAILABLE: clients retry).
    public static let shutdownMessage = "the server is shutting down; retry (on another server)"

    /// - Parameters:
    ///   - host: the supervised runtime (its address, readiness and restarts).
    ///   - model: the one model the runtime serves; its name is the only one accepted.
    ///   - queueCapacity: how many requests may wait behind the running one.
    ///   - emulated: the runtime is the emulator (reported in status and model list).
    ///   - tuning: timing knobs; the defaults suit the real runtime.
    ///   - logger: for requests that bring no logger of their own (`GenerationRequest.logger`):
    ///     one debug line per request event (queued, started, reset, first text, stop sent,
    ///     finished or failed, runtime death), tagged with `generation=N`.
    ///   - eventLoopGroup: where the runtime client's connection lives.
    public init(host: any RuntimeHost, model: ModelConfiguration, queueCapacity: Int = 16, emulated: Bool,
                tuning: BridgeTuning = BridgeTuning(), logger: Logger, eventLoopGroup: any EventLoopGroup) {
        let board = StatusBoard(model: model.descriptor.name, capacity: max(1, queueCapacity), emulated: emulated)
        self.host = host
        self.model = model
        self.emulated = emulated
        self.logger = logger
        self.board = board
        self.group = eventLoopGroup
        // Both synchronous: a change reaches the board (and its watchers) in the order it happened.
        self.scheduler = GenerationScheduler(capacity: queueCapacity) { snapshot in
            board.update(scheduler: snapshot)
        }
        self.session = RuntimeSession(host: host, model: model, tuning: tuning, group: eventLoopGroup) { error in
            board.record(error: error)
        }
        self.hostWatcher = Task {
            for await snapshot in host.snapshots() {
                board.update(host: snapshot)
            }
        }
    }

    deinit {
        hostWatcher.cancel()
        let session = self.session
        Task { await session.abandonPreparation() }
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationUpdate.self)
        let id = ids.next()
        // The caller's logger (with its request id) when it brought one, so one request's lines
        // from the front end, the queue and the runtime session share that id.
        var logger = request.logger ?? self.logger
        logger[metadataKey: "generation"] = "\(id)"
        if let problem = RequestValidation.problem(with: request, modelName: model.descriptor.name) {
            logger.debug("rejected", metadata: ["reason": "\(problem)"])
            continuation.finish(throwing: problem)
            return stream
        }
        let sampling: ResolvedSampling
        switch ResolvedSampling.resolve(request.sampling, defaults: model.samplingDefaults) {
        case let .success(resolved): sampling = resolved
        case let .failure(problem):
            logger.debug("rejected", metadata: ["reason": "\(problem)"])
            continuation.finish(throwing: problem)
            return stream
        }
        let cancel = CancelSignal()
        let requestLogger = logger
        // On the caller's event loop when it runs on one of the group's (a gRPC handler does): the
        // turn then runs there too, over a runtime connection of that loop, and its text reaches
        // the caller without a thread hop.
        let loop = group.any()
        guard let task = inFlight.start(id: id, cancel: cancel, on: loop, {
            await self.serve(id: id, request, sampling: sampling, cancel: cancel, loop: loop, logger: requestLogger,
                             to: continuation)
        }) else {
            logger.debug("rejected: shutting down")
            continuation.finish(throwing: BridgeError.unavailable(Self.shutdownMessage))
            return stream
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                cancel.fire()
                task.cancel()
            }
        }
        return stream
    }

    private func serve(id: UInt64, _ request: GenerationRequest, sampling: ResolvedSampling, cancel: CancelSignal,
                       loop: any EventLoop, logger: Logger, to continuation: AsyncThrowingStream<GenerationUpdate, any Error>.Continuation)
        async {
        let submitted = ContinuousClock.now
        if let deadline = request.deadline, deadline <= submitted {
            logger.debug("rejected: the deadline had already passed")
            continuation.finish(throwing: BridgeError.deadlineExceeded("the deadline had passed before the request was queued"))
            return
        }
        do {
            try await scheduler.acquire(id: id, deadline: request.deadline) { position, depth in
                logger.debug("queued", metadata: ["position": "\(position)", "depth": "\(depth)"])
                continuation.yield(.queued(position: position, depth: depth))
            }
        } catch {
            logger.debug("left the queue", metadata: ["reason": "\(error)"])
            continuation.finish(throwing: error)
            return
        }
        let dequeued = ContinuousClock.now
        logger.debug("started", metadata: ["job": "\(Self.describe(request.job))",
                                           "queue_ms": "\(Int(Self.ms(dequeued - submitted)))"])
        let maxTokens = request.sampling.maxTokens.flatMap { $0 > 0 ? Int($0) : nil }
        let work = RuntimeSession.Work(job: request.job, sampling: sampling,
                                       stops: request.sampling.stop.filter { !$0.isEmpty }, maxTokens: maxTokens,
                                       deadline: request.deadline, logger: logger, loop: loop)
        let modelName = model.descriptor.name
        let restartReason = await session.execute(work, cancel: cancel, emit: { text in
            continuation.yield(.delta(text))
        }, answer: { result in
            Self.answer(result, submitted: submitted, dequeued: dequeued, model: modelName, logger: logger,
                        to: continuation)
        })
        if let restartReason {
            // In a task of its own: this one may be cancelled, and the supervisor must still hear it.
            let session = self.session
            await Task { await session.restartRuntime(reason: restartReason, logger: logger) }.value
        }
        if await scheduler.release(id: id, heldFor: ContinuousClock.now - dequeued) {
            // The engine's logger: the idle-time work belongs to no request.
            await session.prepareWhenIdle(logger: self.logger)
        }
    }

    /// Ends the caller's stream with a summary or an error.
    private static func answer(_ result: RuntimeSession.Result, submitted: ContinuousClock.Instant,
                               dequeued: ContinuousClock.Instant, model: String, logger: Logger,
                               to continuation: AsyncThrowingStream<GenerationUpdate, any Error>.Continuation) {
        let end = ContinuousClock.now
        switch result.end {
        case let .finished(reason):
            let decode = DecodeRate(result, finishReason: reason)
            let summary = GenerationSummary(
                finishReason: reason, promptTokens: result.promptTokens, completionTokens: result.completionTokens,
                estimated: true, queueMilliseconds: ms(dequeued - submitted),
                timeToFirstTokenMilliseconds: result.timeline.firstDeltaAt.map { ms($0 - dequeued) } ?? 0,
                generationMilliseconds: ms(end - dequeued), totalMilliseconds: ms(end - submitted),
                tokensPerSecond: decode.tokensPerSecond, contextReused: result.contextReused, model: model,
                decodeMilliseconds: decode.milliseconds(forCompletionTokens: result.completionTokens),
                prefillMilliseconds: result.timeline.firstChunkAt.map { ms($0 - dequeued) } ?? 0)
            continuation.yield(.done(summary))
            continuation.finish()
            logger.debug("finished", metadata: [
                "reason": "\(reason)", "completion_tokens_est": "\(summary.completionTokens)",
                "prompt_tokens_est": "\(summary.promptTokens)", "context_reused": "\(summary.contextReused)",
                "ttft_ms": "\(Int(summary.timeToFirstTokenMilliseconds))",
                "total_ms": "\(Int(summary.totalMilliseconds))",
                "tokens_per_s": "\(String(format: "%.2f", summary.tokensPerSecond))"])
        case let .failed(error):
            continuation.finish(throwing: error)
            logger.debug("failed", metadata: ["error": "\(error)", "total_ms": "\(Int(ms(end - submitted)))"])
        }
    }

    /// Ends every queued generation with UNAVAILABLE and refuses new ones; the running one goes
    /// on. The first step of a graceful shutdown. Returns how many queued generations were ended.
    @discardableResult
    public func drain() async -> Int {
        await scheduler.close(with: .unavailable(Self.shutdownMessage))
    }

    /// Drains, stops the running generation (the runtime is told to stop) and returns once every
    /// generation task, including turns still settling after their caller left, and any idle-time
    /// reset have ended: only then may the runtime and the event loops the runtime client uses be
    /// shut down.
    public func shutdown() async {
        await drain()
        await inFlight.stopAll()
        // The last generation may have started an idle-time reset as it left.
        await session.abandonPreparation()
        hostWatcher.cancel()
    }

    public func status() async -> RuntimeStatus {
        board.current
    }

    public func statusUpdates() -> AsyncStream<RuntimeStatus> {
        board.updates()
    }

    public func models() async -> [ModelDescriptor] {
        var descriptor = model.descriptor
        descriptor.emulated = descriptor.emulated || emulated
        return [descriptor]
    }

    private static func describe(_ job: GenerationRequest.Job) -> String {
        switch job {
        case let .generate(prompt, _): return "generate (\(prompt.count) chars)"
        case let .chat(messages): return "chat (\(messages.count) messages)"
        }
    }

    private static func ms(_ duration: Duration) -> Double { duration.milliseconds }
}

/// Request and watcher numbers, for logs and bookkeeping.
private final class SequenceNumbers: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0

    func next() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
