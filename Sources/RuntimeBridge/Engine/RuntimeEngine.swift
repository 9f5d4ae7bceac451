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

    /// - Parameters:
    ///   - host: the supervised runtime (its address, readiness and restarts).
    ///   - model: the one model the runtime serves; its name is the only one accepted.
    ///   - queueCapacity: how many requests may wait behind the running one.
    ///   - emulated: the runtime is the emulator (reported in status and model list).
    ///   - tuning: timing knobs; the defaults suit the real runtime.
    ///   - logger: one line per request event (queued, started, reset, first text, stop sent,
    ///     finished or failed, runtime death), tagged with `request=N`.
    ///   - eventLoopGroup: where the runtime client's connection lives.
    public init(host: any RuntimeHost, model: ModelConfiguration, queueCapacity: Int = 16, emulated: Bool,
                tuning: BridgeTuning = BridgeTuning(), logger: Logger, eventLoopGroup: any EventLoopGroup) {
        let board = StatusBoard(model: model.descriptor.name, capacity: max(1, queueCapacity), emulated: emulated)
        self.host = host
        self.model = model
        self.emulated = emulated
        self.logger = logger
        self.board = board
        self.scheduler = GenerationScheduler(capacity: queueCapacity) { snapshot, sequence in
            Task { await board.update(scheduler: snapshot, sequence: sequence) }
        }
        self.session = RuntimeSession(host: host, model: model, tuning: tuning, group: eventLoopGroup) { error in
            Task { await board.record(error: error) }
        }
        self.hostWatcher = Task {
            for await snapshot in host.snapshots() {
                await board.update(host: snapshot)
            }
        }
    }

    deinit {
        hostWatcher.cancel()
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationUpdate.self)
        let id = ids.next()
        var logger = self.logger
        logger[metadataKey: "request"] = "\(id)"
        if let problem = RequestValidation.problem(with: request, modelName: model.descriptor.name) {
            logger.info("rejected: \(problem)")
            continuation.finish(throwing: problem)
            return stream
        }
        let task = Task { await self.serve(id: id, request, logger: logger, to: continuation) }
        continuation.onTermination = { termination in
            if case .cancelled = termination { task.cancel() }
        }
        return stream
    }

    private func serve(id: UInt64, _ request: GenerationRequest, logger: Logger,
                       to continuation: AsyncThrowingStream<GenerationUpdate, any Error>.Continuation) async {
        let submitted = ContinuousClock.now
        if let deadline = request.deadline, deadline <= submitted {
            logger.info("rejected: the deadline had already passed")
            continuation.finish(throwing: BridgeError.deadlineExceeded("the deadline had passed before the request was queued"))
            return
        }
        do {
            try await scheduler.acquire(id: id, deadline: request.deadline) { position, depth in
                logger.info("queued", metadata: ["position": "\(position)", "depth": "\(depth)"])
                continuation.yield(.queued(position: position, depth: depth))
            }
        } catch {
            logger.info("left the queue: \(error)")
            continuation.finish(throwing: error)
            return
        }
        let dequeued = ContinuousClock.now
        logger.info("started", metadata: ["job": "\(Self.describe(request.job))",
                                          "queue_ms": "\(Int(Self.ms(dequeued - submitted)))"])
        let maxTokens = request.sampling.maxTokens.flatMap { $0 > 0 ? Int($0) : nil }
        let work = RuntimeSession.Work(job: request.job,
                                       sampling: ResolvedSampling(request.sampling, defaults: model.samplingDefaults),
                                       stops: request.sampling.stop.filter { !$0.isEmpty }, maxTokens: maxTokens,
                                       deadline: request.deadline, logger: logger)
        let result = await session.execute(work) { text in continuation.yield(.delta(text)) }
        let end = ContinuousClock.now

        switch result.end {
        case let .finished(reason):
            let generation = end - dequeued
            // Decode rate: from the first text on, so a long prefill does not read as slow decoding.
            let seconds = (end - (result.firstTextAt ?? dequeued)).milliseconds / 1000
            let summary = GenerationSummary(
                finishReason: reason, promptTokens: result.promptTokens, completionTokens: result.completionTokens,
                estimated: true, queueMilliseconds: Self.ms(dequeued - submitted),
                timeToFirstTokenMilliseconds: result.firstTextAt.map { Self.ms($0 - dequeued) } ?? 0,
                generationMilliseconds: Self.ms(generation), totalMilliseconds: Self.ms(end - submitted),
                tokensPerSecond: seconds > 0 ? Double(result.completionTokens) / seconds : 0,
                contextReused: result.contextReused, model: model.descriptor.name)
            continuation.yield(.done(summary))
            continuation.finish()
            logger.info("finished", metadata: [
                "reason": "\(reason)", "completion_tokens_est": "\(summary.completionTokens)",
                "prompt_tokens_est": "\(summary.promptTokens)", "context_reused": "\(summary.contextReused)",
                "ttft_ms": "\(Int(summary.timeToFirstTokenMilliseconds))",
                "generation_ms": "\(Int(summary.generationMilliseconds))",
                "total_ms": "\(Int(summary.totalMilliseconds))",
                "tokens_per_s": "\(String(format: "%.2f", summary.tokensPerSecond))"])
        case let .failed(error):
            continuation.finish(throwing: error)
            logger.info("failed: \(error)", metadata: ["total_ms": "\(Int(Self.ms(end - submitted)))"])
        }

        if result.needsSettle || result.restartReason != nil {
            // In a task of its own: this one may be cancelled, and the wait must still pace itself.
            let session = self.session
            await Task {
                if let reason = result.restartReason {
                    await session.restartRuntime(reason: reason, logger: logger)
                } else {
                    await session.settle(sawRunning: result.sawRunning, logger: logger)
                }
            }.value
        }
        await scheduler.release(id: id, heldFor: ContinuousClock.now - dequeued)
    }

    public func status() async -> RuntimeStatus {
        await board.current
    }

    public func statusUpdates() -> AsyncStream<RuntimeStatus> {
        let (stream, continuation) = AsyncStream.makeStream(of: RuntimeStatus.self)
        let id = ids.next()
        let board = self.board
        Task { await board.watch(id: id, continuation) }
        continuation.onTermination = { _ in Task { await board.unwatch(id: id) } }
        return stream
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
