/// The emulated runtime: its single worker, the FIFO of queued tasks, the global sticky sampling, the held
/// conversation (KV) and the text queue drained by polling. A pure state machine driven by an `EngineClock`;
/// it knows nothing about HTTP. Confined to one thread (the NIO event loop, or a test's virtual clock).
///
/// Worker model (as in the vendor's `main_api`): accepted work is queued; the worker takes one task at a
/// time and the runtime is "busy" (`/api/generate` answers `llm is running`, polls say `done: false`) only
/// while a task RUNS. A generate starts `startDelayMilliseconds` after it was accepted (polls in between see
/// `done: true`); a reset starts at once and keeps the runtime busy for `resetMilliseconds`.
final class RuntimeEngine {
    /// A unit of work for the worker.
    enum WorkItem {
        case generate(prompt: String, delivery: Delivery)
        case reset(systemPrompt: String)
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
    private var pending: [WorkItem] = []
    private var pickupTimer: EngineTimer?

    init(configuration: EngineConfiguration, clock: EngineClock, console: EngineConsole, hooks: EngineHooks) {
        self.configuration = configuration
        self.clock = clock
        self.console = console
        self.hooks = hooks
        self.sampling = configuration.initialSampling
        self.log = CallLog(historyLimit: configuration.historyLimit)
    }

    /// The runtime's `gllm_runing`: a task is running (queued tasks do not count).
    var isBusy: Bool { phase != .idle }

    /// Number of accepted tasks that have not started yet.
    var queuedTasks: Int { pending.count }

    // MARK: Runtime operations

    /// Queues a generation whose text goes to the polled queue (`/api/generate`).
    func enqueueGenerate(prompt: String) {
        enqueue(.generate(prompt: prompt, delivery: .textQueue), delayMilliseconds: configuration.startDelayMilliseconds)
    }

    /// Queues a generation that answers a blocked `/api/chat` request with the whole reply.
    func enqueueChat(prompt: String, completion: @escaping (String) -> Void) {
        enqueue(.generate(prompt: prompt, delivery: .chat(completion)), delayMilliseconds: 0)
    }

    /// Queues a reset of the KV cache with `systemPrompt` (empty: the default system prompt).
    func enqueueReset(systemPrompt: String) {
        enqueue(.reset(systemPrompt: systemPrompt), delayMilliseconds: 0)
    }

    /// `/api/stop`: sets the stop flag. Honoured at the next token (at once during prefill); lost when no
    /// generation is running, because the next generation clears it; ignored by a hung generation.
    func requestStop() {
        stopRequested = true
        if phase == .prefill { finishGeneration(.stopped) }
    }

    /// `/api/generate_provider`: everything queued since the last poll.
    func drainText() -> String {
        textQueue.drain()
    }

    // MARK: Worker

    private func enqueue(_ task: WorkItem, delayMilliseconds: Double) {
        pending.append(task)
        guard phase == .idle, pickupTimer == nil else { return }
        let delay = EngineConfiguration.nanoseconds(milliseconds: delayMilliseconds)
        if delay == 0 {
            startNextTask()
        } else {
            pickupTimer = clock.schedule(afterNanoseconds: delay) { [weak self] in
                self?.pickupTimer = nil
                self?.startNextTask()
            }
        }
    }

    private func startNextTask() {
        guard phase == .idle, !pending.isEmpty else { return }
        switch pending.removeFirst() {
        case .reset(let systemPrompt):
            beginReset(systemPrompt: systemPrompt)
        case .generate(let prompt, let delivery):
            beginGeneration(prompt: prompt, delivery: delivery)
        }
    }

    /// Called by a task when it ends: the worker takes the next queued task at once.
    func taskFinished() {
        phase = .idle
        timer = nil
        startNextTask()
    }

    func enter(_ newPhase: Phase) {
        phase = newPhase
    }

    private func beginReset(systemPrompt: String) {
        phase = .resetting
        let prompt = systemPrompt.isEmpty ? configuration.defaultSystemPrompt : systemPrompt
        let delay = EngineConfiguration.nanoseconds(milliseconds: configuration.resetMilliseconds)
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
