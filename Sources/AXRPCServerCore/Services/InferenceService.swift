import AXRPCFrontEnd
import RPCProtocol
import RuntimeBridge

/// `axrpc.v1.Inference`: generation streamed from the bridge's scheduler, and the server's state.
package struct InferenceService: Sendable {
    package let engine: any InferenceEngine
    package let info: ServerInfo
    package let status: StatusCache
    /// The configured models: fixed for the life of the process.
    package let models: [ModelDescriptor]
    /// Health's framed reply for the current status and uptime second.
    private let healthFrames = LatestFrameCache<HealthSnapshot>()

    /// What a Health reply says, apart from the fixed version.
    private struct HealthSnapshot: Equatable, Sendable {
        var status: RuntimeStatus
        var uptimeSeconds: UInt64
    }

    package init(engine: any InferenceEngine, info: ServerInfo, status: StatusCache, models: [ModelDescriptor]) {
        self.engine = engine
        self.info = info
        self.status = status
        self.models = models
    }

    package var routes: [RPCRoute] {
        [
            .serverStreaming(MethodPath.Inference.generate) { (request: GenerateRequest, writer, context) in
                try await generate(request, writer: writer, context: context)
            },
            .serverStreaming(MethodPath.Inference.chat) { (request: ChatRequest, writer, context) in
                try await chat(request, writer: writer, context: context)
            },
            .immediateFramedUnary(MethodPath.Inference.health) { (_: HealthRequest, _) in
                healthFrames.frame(for: HealthSnapshot(status: status.current, uptimeSeconds: info.uptimeSeconds)) {
                    MessageFramer.frame(healthResponse($0.status, uptimeSeconds: $0.uptimeSeconds))
                }
            },
            .serverStreaming(MethodPath.Inference.watchHealth) {
                (_: HealthRequest, writer: ResponseWriter<HealthResponse>, _) in
                var last: HealthResponse?
                for await status in engine.statusUpdates() {
                    var response = healthResponse(status)
                    // Uptime alone is no change worth a message.
                    response.uptimeSeconds = last?.uptimeSeconds ?? response.uptimeSeconds
                    if response == last { continue }
                    try await writer.write(response)
                    last = response
                }
                try Task.checkCancellation()
            },
            .immediateUnary(MethodPath.Inference.listModels) { (_: ListModelsRequest, _) -> ListModelsResponse in
                let loaded = status.current.isServing
                return ListModelsResponse(models: models.map { BridgeMapping.model($0, loaded: loaded) })
            },
        ]
    }

    package func healthResponse(_ status: RuntimeStatus, uptimeSeconds: UInt64? = nil) -> HealthResponse {
        HealthResponse(
            status: status.isServing ? .serving : .notServing,
            runtimeState: BridgeMapping.runtimeState(status.phase),
            model: status.model,
            queueDepth: UInt32(clamping: status.queueDepth),
            queueCapacity: UInt32(clamping: status.queueCapacity),
            uptimeSeconds: uptimeSeconds ?? info.uptimeSeconds,
            runtimeRestarts: UInt32(clamping: status.restarts),
            lastError: status.lastError,
            version: ServerInfo.version,
            emulated: status.emulated)
    }

    private func generate(_ request: GenerateRequest, writer: ResponseWriter<GenerationEvent>,
                          context: ServerContext) async throws {
        guard !request.prompt.isEmpty else {
            throw RPCError(.invalidArgument, "prompt is empty; send the text to complete in GenerateRequest.prompt")
        }
        let (system, shaping) = try StructuredRequestMapping.generate(request)
        let job = GenerationRequest.Job.generate(prompt: request.prompt, system: system)
        try await run(GenerationRequest(model: request.model, job: job,
                                        sampling: BridgeMapping.sampling(request.options), deadline: context.deadline,
                                        logger: context.logger),
                      shaping: shaping, writer: writer)
    }

    private func chat(_ request: ChatRequest, writer: ResponseWriter<GenerationEvent>,
                      context: ServerContext) async throws {
        guard let last = request.messages.last else {
            throw RPCError(.invalidArgument, "messages is empty; send at least one user message")
        }
        guard last.role == .user || last.role == .tool else {
            throw RPCError(.invalidArgument, "the last message must come from the user (ROLE_USER) or a tool (ROLE_TOOL)")
        }
        let (turns, shaping) = try StructuredRequestMapping.chat(request)
        try await run(GenerationRequest(model: request.model, job: .chat(turns),
                                        sampling: BridgeMapping.sampling(request.options), deadline: context.deadline,
                                        logger: context.logger),
                      shaping: shaping, writer: writer)
    }

    /// Relays the bridge's updates as events, text and tool calls shaped as the request asked;
    /// a bridge failure becomes the call's status, a reply that breaks the shaping INTERNAL.
    private func run(_ request: GenerationRequest, shaping: ReplyShaping,
                     writer: ResponseWriter<GenerationEvent>) async throws {
        var shaper = ReplyShaper(shaping)
        do {
            for try await update in engine.generate(request) {
                switch update {
                case .queued:
                    try await writer.write(BridgeMapping.event(update))
                case let .delta(text):
                    for output in shaper.push(text) { try await writer.write(BridgeMapping.event(output)) }
                case let .done(summary):
                    switch shaper.finish() {
                    case let .success(outputs):
                        for output in outputs { try await writer.write(BridgeMapping.event(output)) }
                    case let .failure(failure):
                        throw RPCError(.internalError, failure.message)
                    }
                    var completion = BridgeMapping.completion(summary)
                    if !shaper.toolCalls.isEmpty { completion.finishReason = .toolCalls }
                    try await writer.write(GenerationEvent(event: .done(completion)))
                }
            }
        } catch let error as BridgeError {
            throw BridgeMapping.error(error, logger: request.logger)
        }
    }
}
