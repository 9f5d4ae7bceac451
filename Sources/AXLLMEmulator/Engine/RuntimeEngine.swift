/// The emulated runtime: its single worker, the FIFO of queued tasks, the global sticky sampling, the held
/// conversation (KV) and the text queue drained by polling. A pure state machine driven by an `EngineClock`;
/// it knows nothing about HTTP. Confined to one thread (the NIO event loop, or a test's virtual clock).
///
/// Worker model (as in the vendor's `main_api`, runtime-protocol.md "The worker's concurrency"): accepted
/// work is queued (FIFO); the worker takes one task at a time and the runtime is "busy" (`/api/generate`
/// and `/api/reset` answer `llm is running`, polls say `done: false`) only while a task RUNS. An idle
/// worker starts a task `dispatchMilliseconds` after accepting it, and a task queued behind another starts
/// `taskGapMilliseconds` after that one ended; in both windows polls see `done: true` and further resets
/// and generates are accepted and queued. In chaos mode every task draws its own timing (`ChaosSchedule`).
final class RuntimeEngine {
    /// A unit of work for the worker.
    enum WorkItem {
        case generate(prompt: String, delivery: Delivery)
        case reset(systemPrompt: String)
    }

    /// An accepted task and its timing (drawn when it was accepted).
    struct QueuedTask {
        let item: WorkItem
        let timing: TaskTiming
    }

    /// What the worker thread is doing between and around tasks (for inspection; `phase` has the detail).
    enum WorkerState: String {
        /// Nothing accepted, nothing running.
        case idle
        /// A task was accepted by the idle worker and starts after its dispatch latency.
        case dispatching
        /// A task ended and the next queued one starts after the gap.
        case gap
        /// A task runs (the runtime is busy).
        case running
    }

    /// Where a generation's text goes.
    enum Delivery {
        /// The polled text queue, echoed on stdout (`/api/generate`).
        case textQueue
        /// The whole reply to a blocked `/api/chat` request, nothing queued.
        case chat((String) -> Void)
    }

    /// What the worker is doing.
    enum Phase: String {
        case idle, resetting, prefill, decoding, hung, crashed
    }

    let configuration: EngineConfiguration
    let clock: EngineClock
    let console: EngineConsole
    let hooks: EngineHooks

    /// Global sticky sampling parameters; requests change them key by key.
    var sampling: SamplingState
    /// Inspection records (not part of the emulated runtime).
    var log: CallLog
    private(set) var conversation = HeldConversation()
    private(set) var textQueue = TextQueue()
    private(set) var phase: Phase = .idle
    /// Generated tokens since start-up, over all generations (drives the crash and hang faults).
    var totalGeneratedTokens = 0
    /// The vendor's `b_stop`: set by `/api/stop`, cleared when a generation starts, checked per token.
    var stopRequested = false
    var generation: ActiveGeneration?
    var timer: EngineTimer?
    /// Set while the echo on stdout is in the middle of a line.
    var echoMidLine = false
    /// Timing of the task that runs now (the generation reads its token interval and stop latency).
    private(set) var currentTiming: TaskTiming
    /// Number of the last generation started (records' `id`; not cleared by `/__emulator/reset-state`).
    var lastGenerationID = 0
    /// Chunks in the text queue: (generation id, chunk index), for the records' drain times.
    var undrainedChunks: [(id: Int, index: Int)] = []
    private var pending: [QueuedTask] = []
    /// The dispatch or gap timer before the next task starts.
    private var pickupTimer: EngineTimer?
    private var pickupKind: WorkerState = .idle
    private var acceptedTasks: UInt64 = 0
    private var receivedPolls: UInt64 = 0
    private let chaos: ChaosSchedule?

    init(configuration: EngineConfiguration, clock: EngineClock, console: EngineConsole, hooks: EngineHooks) {
        self.configuration = configuration
        self.clock = clock
        self.console = console
        self.hooks = hooks
        self.sampling = configuration.initialSampling
        self.log = CallLog(historyLimit: configuration.historyLimit)
        self.currentTiming = TaskTiming(fixed: configuration)
        self.chaos = configuration.chaosSeed.map {
            ChaosSchedule(seed: $0, maxDispatchMilliseconds: configuration.chaosMaxDispatchMilliseconds)
        }
    }

    /// The runtime's `gllm_runing`: a task is running (queued tasks do not count).
    var isBusy: Bool { phase != .idle }

    /// Number of accepted tasks that have not started yet.
    var queuedTasks: Int { pending.count }

    /// What the worker does now: idle, waiting to start a task (dispatch or gap), or running one.
    var workerState: WorkerState { phase != .idle ? .running : pickupTimer != nil ? pickupKind : .idle }

    /// The kind of the running task (`reset`, `generate`, `chat`), `nil` when none runs.
    var currentTaskKind: String? {
        switch phase {
        case .idle: return nil
        case .resetting: return "reset"
        case .prefill, .decoding, .hung, .crashed:
            if case .chat? = generation?.delivery { return "chat" }
            return "generate"
        }
    }

    // MARK: Runtime operations

    /// Queues a generation whose text goes to the polled queue (`/api/generate`).
    func enqueueGenerate(prompt: String) {
        enqueue(.generate(prompt: prompt, delivery: .textQueue))
    }

    /// Queues a generation that answers a blocked `/api/chat` request with the whole reply.
    func enqueueChat(prompt: String, completion: @escaping (String) -> Void) {
        enqueue(.generate(prompt: prompt, delivery: .chat(completion)))
    }

    /// Queues a reset of the KV cache with `systemPrompt` (empty: the default system prompt).
    func enqueueReset(systemPrompt: String) {
        enqueue(.reset(systemPrompt: systemPrompt))
    }

    /// `/api/stop`: sets the stop flag. Honoured at the next token (after the task's stop latency; at once
    /// during prefill); lost when no generation is running, because the next generation clears it when it
    /// starts (`Run()`); ignored by a hung generation.
    func requestStop() {
        stopRequested = true
        generation?.stopReceived = true
        if phase == .prefill { finishGeneration(.stopped) }
    }

    /// `/api/generate_provider`: everything queued since the last poll.
    func drainText() -> String {
        if var current = generation {
            current.polls += 1
            generation = current
        }
        markDrained()
        return textQueue.drain()
    }

    /// Stamps the chunks this poll takes with the time (inspection only: chunk latency).
    private func markDrained() {
        guard !undrainedChunks.isEmpty else { return }
        for (id, index) in undrainedChunks {
            if var current = generation, current.id == id, current.chunks.indices.contains(index) {
                current.chunks[index].drainedMilliseconds = milliseconds(since: current.startedAt)
                generation = current
            } else {
                log.noteDrained(generation: id, chunk: index, now: clock.nowNanoseconds)
            }
        }
        undrainedChunks.removeAll()
    }

    /// How long the next poll waits before it is answered (`--poll-jitter-ms`, chaos), in milliseconds.
    func nextPollDelayMilliseconds() -> Double {
        receivedPolls += 1
        let bound = chaos == nil ? configuration.pollJitterMilliseconds
            : max(configuration.pollJitterMilliseconds, ChaosSchedule.maxPollJitterMilliseconds)
        guard bound > 0 else { return 0 }
        // Without --chaos the jitter is still reproducible: drawn from seed 0.
        let schedule = chaos ?? ChaosSchedule(seed: 0, maxDispatchMilliseconds: 0)
        return schedule.pollJitterMilliseconds(forPoll: receivedPolls, bound: bound)
    }

    // MARK: Worker

    private func enqueue(_ item: WorkItem) {
        acceptedTasks += 1
        let timing = chaos?.timing(forTask: acceptedTasks, base: configuration) ?? TaskTiming(fixed: configuration)
        pending.append(QueuedTask(item: item, timing: timing))
        guard phase == .idle, pickupTimer == nil else { return }
        schedulePickup(after: timing.dispatchMilliseconds, as: .dispatching)
    }

    /// Starts the next task after `milliseconds` (at once when 0): the busy flag stays clear meanwhile.
    private func schedulePickup(after milliseconds: Double, as kind: WorkerState) {
        let delay = EngineConfiguration.nanoseconds(milliseconds: milliseconds)
        guard delay > 0 else {
            startNextTask()
            return
        }
        pickupKind = kind
        pickupTimer = clock.schedule(afterNanoseconds: delay) { [weak self] in
            self?.pickupTimer = nil
            self?.startNextTask()
        }
    }

    private func startNextTask() {
        guard phase == .idle, !pending.isEmpty else { return }
        let task = pending.removeFirst()
        currentTiming = task.timing
        switch task.item {
        case .reset(let systemPrompt):
            beginReset(systemPrompt: systemPrompt)
        case .generate(let prompt, let delivery):
            beginGeneration(prompt: prompt, delivery: delivery)
        }
    }

    /// Called by a task when it ends: the worker takes the next queued task after that task's gap.
    func taskFinished() {
        phase = .idle
        timer = nil
        guard let next = pending.first else { return }
        schedulePickup(after: next.timing.gapMilliseconds, as: .gap)
    }

    func enter(_ newPhase: Phase) {
        phase = newPhase
    }

    private func beginReset(systemPrompt: String) {
        phase = .resetting
        let prompt = systemPrompt.isEmpty ? configuration.defaultSystemPrompt : systemPrompt
        let delay = EngineConfiguration.nanoseconds(milliseconds: currentTiming.resetMilliseconds)
        timer = clock.schedule(afterNanoseconds: delay) { [weak self] in
            guard let self else { return }
            self.conversation.reset(systemPrompt: prompt)
            self.taskFinished()
        }
    }

    // MARK: Helpers for the generation extension

    func pushText(_ chunk: String) {
        textQueue.push(chunk)
    }

    func appendToConversation(prompt: String, promptTokens: Int, reply: String, replyTokens: Int) {
        conversation.append(prompt: prompt, promptTokens: promptTokens, reply: reply, replyTokens: replyTokens)
    }
}
