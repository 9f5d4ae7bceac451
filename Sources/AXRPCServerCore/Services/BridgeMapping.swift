import AXRPCFrontEnd
import Logging
import RPCProtocol
import RuntimeBridge

/// Translations between the bridge's values and the API's messages.
package enum BridgeMapping {
    /// The status of a bridge failure; `logger` (the call's) receives what the client is not told.
    package static func error(_ error: BridgeError, logger: Logger? = nil) -> RPCError {
        switch error {
        case let .queueFull(_, retry):
            return RPCError(.resourceExhausted, error.description,
                            trailers: ["grpc-retry-pushback-ms": "\(retry)"])
        case .deadlineExceeded: return RPCError(.deadlineExceeded, error.description)
        case .cancelled: return RPCError(.cancelled, error.description)
        case .unavailable: return RPCError(.unavailable, ClientFacingText.describe(error, logger: logger))
        case .contextFull: return RPCError(.outOfRange, error.description)
        case .invalidArgument: return RPCError(.invalidArgument, error.description)
        case .modelNotFound: return RPCError(.notFound, error.description)
        }
    }

    package static func sampling(_ options: SamplingOptions?) -> SamplingParameters {
        guard let options else { return SamplingParameters() }
        return SamplingParameters(temperature: options.temperature, topP: options.topP, topK: options.topK,
                                  repetitionPenalty: options.repetitionPenalty, maxTokens: options.maxTokens,
                                  stop: options.stop)
    }

    package static func role(_ role: Role) throws -> IncomingMessage.Role {
        switch role {
        case .system: return .system
        case .user: return .user
        case .assistant: return .assistant
        case .tool: return .tool
        case .unspecified:
            throw RPCError(.invalidArgument,
                           "a chat message has no role; use ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT or ROLE_TOOL")
        case let .unrecognized(value):
            throw RPCError(.invalidArgument, "a chat message has the unknown role \(value)")
        }
    }

    package static func event(_ update: GenerationUpdate) -> GenerationEvent {
        switch update {
        case let .queued(position, depth):
            return GenerationEvent(event: .queued(QueueStatus(position: UInt32(clamping: position),
                                                              queueDepth: UInt32(clamping: depth))))
        case let .delta(text):
            return GenerationEvent(event: .delta(text))
        case let .done(summary):
            return GenerationEvent(event: .done(completion(summary)))
        }
    }

    package static func event(_ output: ReplyShaper.Output) -> GenerationEvent {
        switch output {
        case let .text(text):
            return GenerationEvent(event: .delta(text))
        case let .toolCall(call):
            return GenerationEvent(event: .toolCall(ToolCall(id: call.id, name: call.name,
                                                             argumentsJSON: call.arguments.serialized())))
        }
    }

    package static func completion(_ summary: GenerationSummary) -> Completion {
        let reason: FinishReason
        switch summary.finishReason {
        case .stop: reason = .stop
        case .length: reason = .length
        case .stopSequence: reason = .stopSequence
        }
        return Completion(
            finishReason: reason,
            usage: Usage(promptTokens: UInt32(clamping: summary.promptTokens),
                         completionTokens: UInt32(clamping: summary.completionTokens),
                         estimated: summary.estimated),
            timings: Timings(queueMs: summary.queueMilliseconds,
                             timeToFirstTokenMs: summary.timeToFirstTokenMilliseconds,
                             generationMs: summary.generationMilliseconds, totalMs: summary.totalMilliseconds,
                             tokensPerSecond: summary.tokensPerSecond),
            contextReused: summary.contextReused, model: summary.model)
    }

    package static func runtimeState(_ phase: RuntimePhase) -> RuntimeState {
        switch phase {
        case .starting: return .starting
        case .ready: return .ready
        case .busy: return .busy
        case .restarting: return .restarting
        case .failed: return .failed
        case .stopped: return .stopped
        }
    }

    package static func model(_ descriptor: ModelDescriptor, loaded: Bool) -> ModelInfo {
        ModelInfo(name: descriptor.name, family: descriptor.family, parameterSize: descriptor.parameterSize,
                  quantization: descriptor.quantization, contextLength: UInt32(clamping: descriptor.contextLength),
                  loaded: loaded, emulated: descriptor.emulated, isDefault: descriptor.isDefault)
    }
}
