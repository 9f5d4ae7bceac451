/// The emulator's own test/inspection endpoints, NOT part of the emulated runtime:
/// `GET /__emulator/state` (what was received, counters, engine state) and
/// `POST /__emulator/reset-state` (clears the records; the engine's state is untouched).
struct InspectionRoutes {
    static let prefix = "/__emulator/"
    let engine: RuntimeEngine

    func handle(method: String, path: String) -> HTTPReply {
        switch (method, path) {
        case ("GET", "/__emulator/state"):
            return .json(200, snapshot().serialized)
        case ("POST", "/__emulator/reset-state"):
            engine.log.clear()
            return .json(200, RuntimeJSON.ok)
        default:
            return .notFound
        }
    }

    func snapshot() -> JSONOutput {
        let log = engine.log
        let config = engine.configuration
        return .object([
            ("generate_calls", .int(log.generateCalls)),
            ("resets", .int(log.resets)),
            ("stops", .int(log.stops)),
            ("busy_rejections", .int(log.busyRejections)),
            ("polls", .int(log.polls)),
            ("chats", .int(log.chats)),
            ("calls", .array(log.calls.map(Self.encode))),
            ("held_context_tokens", .int(engine.conversation.tokens)),
            ("context_tokens", .int(config.contextTokens)),
            ("max_token_len", .int(config.maxTokenLength)),
            ("sampling", Self.encode(engine.sampling)),
            ("busy", .bool(engine.isBusy)),
            ("phase", .string(engine.phase.rawValue)),
            ("queued_tasks", .int(engine.queuedTasks)),
            ("worker_queue", .int(engine.queuedTasks)),
            ("worker_state", .string(engine.workerState.rawValue)),
            ("current_task", engine.currentTaskKind.map { .string($0) } ?? .null),
            ("stop_flag", .bool(engine.stopRequested)),
            ("last_generation_id", .int(engine.lastGenerationID)),
            ("total_generated_tokens", .int(engine.totalGeneratedTokens)),
            ("generated_text", .array(log.generations.filter { $0.outcome != .contextFull }.map { .string($0.text) })),
            ("generations", .array(log.generations.map(Self.encode))),
        ])
    }

    static func encode(_ call: CallLog.Call) -> JSONOutput {
        switch call {
        case .generate(let call):
            return .object([
                ("kind", .string("generate")),
                ("status", .int(call.status)),
                ("prompt", JSONOutput(call.prompt)),
                ("temperature", JSONOutput(call.temperature)),
                ("top_k", JSONOutput(call.topK)),
                ("top_p", JSONOutput(call.topP)),
                ("repetition_penalty", JSONOutput(call.repetitionPenalty)),
                ("keys_present", .array(call.keysPresent.map { .string($0) })),
            ])
        case .reset(let status, let systemPrompt):
            return .object([("kind", .string("reset")), ("status", .int(status)), ("system_prompt", JSONOutput(systemPrompt))])
        case .stop:
            return .object([("kind", .string("stop")), ("status", .int(200))])
        case .chat(let status, let prompt):
            return .object([("kind", .string("chat")), ("status", .int(status)), ("prompt", prompt.map { .string($0) } ?? .null)])
        }
    }

    static func encode(_ sampling: SamplingState) -> JSONOutput {
        .object([
            ("temperature", .double(decimal(sampling.temperature))),
            ("temperature_enabled", .bool(sampling.temperatureEnabled)),
            ("repetition_penalty", .double(decimal(sampling.repetitionPenalty))),
            ("repetition_penalty_enabled", .bool(sampling.repetitionPenaltyEnabled)),
            ("top_p", .double(decimal(sampling.topP))),
            ("top_p_enabled", .bool(sampling.topPEnabled)),
            ("top_k", .int(sampling.topK)),
            ("top_k_enabled", .bool(sampling.topKEnabled)),
            ("mode", .string(sampling.mode.rawValue)),
        ])
    }

    static func encode(_ generation: CallLog.Generation) -> JSONOutput {
        let decodeRate: JSONOutput = generation.decodeTokensPerSecond.map { .double(($0 * 1000).rounded() / 1000) } ?? .null
        return .object([
            ("prompt", .string(generation.prompt)),
            ("prompt_tokens", .int(generation.promptTokens)),
            ("text", .string(generation.text)),
            ("tokens", .int(generation.tokens)),
            ("outcome", .string(generation.outcome.rawValue)),
            ("ttft_ms", generation.ttftMilliseconds.map { .double(($0 * 100).rounded() / 100) } ?? .null),
            ("id", .int(generation.id)),
            ("system_prompt", generation.systemPrompt.map { .string($0) } ?? .null),
            ("sampling", encode(generation.sampling)),
            ("token_byte_lengths", .array(generation.tokenByteLengths.map { .int($0) })),
            ("queued_text", .string(generation.queuedText)),
            ("stop_received", .bool(generation.stopReceived)),
            ("decode_tokens_per_second", decodeRate),
            ("polls", .int(generation.polls)),
            ("chunks", .array(generation.chunks.map { encode($0) })),
        ])
    }

    static func encode(_ chunk: CallLog.ChunkTiming) -> JSONOutput {
        .object([
            ("chars", .int(chunk.characters)),
            ("bytes", .int(chunk.bytes)),
            ("queued_ms", .double(rounded(chunk.queuedMilliseconds))),
            ("queued_unix_ms", .double(rounded(chunk.queuedUnixMilliseconds))),
            ("drained_ms", chunk.drainedMilliseconds.map { .double(rounded($0)) } ?? .null),
        ])
    }

    private static func rounded(_ milliseconds: Double) -> Double {
        (milliseconds * 1000).rounded() / 1000
    }

    /// A `Float` as the short decimal it was written as (0.9, not 0.8999999761581421).
    private static func decimal(_ value: Float) -> Double {
        Double(String(describing: value)) ?? Double(value)
    }
}
