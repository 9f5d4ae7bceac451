import Logging
import RuntimeBridge

/// An Ollama `/api/generate` or `/api/chat` body, read into the bridge's terms.
struct OllamaGenerationRequest: Sendable {
    /// The model as the client named it (echoed in every answer, as Ollama does); nil: default.
    var model: String?
    var job: GenerationRequest.Job
    var sampling: SamplingParameters
    /// Ollama streams unless told `"stream": false`.
    var stream: Bool
    /// Ollama's "load the model" request: no prompt (or no messages). Answered at once with
    /// `done_reason` "load" (or "unload" with `keep_alive: 0`); `ollama run` sends one first.
    var loadOnly: Bool
    var unload: Bool
}

/// Reads Ollama's request bodies (docs/api.md) with the same rules as the gRPC face; options the
/// runtime cannot honour (seed, num_ctx, mirostat...) are ignored and named in the debug log.
struct OllamaRequestReader {
    let logger: Logger

    /// The options the runtime honours; the rest of Ollama's `Options` are accepted and ignored.
    private static let knownOptions: Set<String> = ["temperature", "top_p", "top_k", "num_predict", "stop",
                                                    "repeat_penalty"]
    private static let generateFields: Set<String> = ["model", "prompt", "system", "stream", "options"]
    private static let chatFields: Set<String> = ["model", "messages", "stream", "options"]

    func generate(_ body: JSONValue) throws(GatewayError) -> OllamaGenerationRequest {
        let reader = FieldReader(object: body)
        let prompt = try reader.string("prompt") ?? ""
        let system = try reader.string("system")
        var ignored = reader.unknownKeys(Self.generateFields)
        let sampling = try self.sampling(reader.object("options"), ignored: &ignored)
        logIgnored(ignored, path: "/api/generate")
        // Whitespace-only prompts are not "load" requests: the engine rejects them with 400.
        return OllamaGenerationRequest(
            model: try reader.string("model"),
            job: .generate(prompt: prompt, system: system.flatMap { $0.isEmpty ? nil : $0 }),
            sampling: sampling, stream: try reader.bool("stream") ?? true,
            loadOnly: prompt.isEmpty, unload: try isUnload(reader))
    }

    func chat(_ body: JSONValue) throws(GatewayError) -> OllamaGenerationRequest {
        let reader = FieldReader(object: body)
        let messages = try reader.array("messages") ?? []
        var turns: [ChatTurn] = []
        for (index, message) in messages.enumerated() {
            turns.append(try Self.turn(message, index: index))
        }
        var ignored = reader.unknownKeys(Self.chatFields)
        let sampling = try self.sampling(reader.object("options"), ignored: &ignored)
        logIgnored(ignored, path: "/api/chat")
        return OllamaGenerationRequest(
            model: try reader.string("model"), job: .chat(turns), sampling: sampling,
            stream: try reader.bool("stream") ?? true, loadOnly: turns.isEmpty, unload: try isUnload(reader))
    }

    /// One `{role, content}` message. Tool results and images have nowhere to go in a text-only
    /// runtime: a "tool" message is refused rather than silently dropped from the conversation.
    static func turn(_ message: JSONValue, index: Int) throws(GatewayError) -> ChatTurn {
        guard message.isObject else { throw GatewayError.badRequest("messages[\(index)] must be an object") }
        let reader = FieldReader(object: message, prefix: "messages[\(index)].")
        guard let roleName = try reader.string("role") else {
            throw GatewayError.badRequest("messages[\(index)].role is missing; use system, user or assistant")
        }
        return ChatTurn(role: try role(roleName, index: index), content: try reader.string("content") ?? "")
    }

    static func role(_ name: String, index: Int) throws(GatewayError) -> ChatTurn.Role {
        switch name.lowercased() {
        case "system": return .system
        case "user": return .user
        case "assistant": return .assistant
        default:
            throw GatewayError.badRequest("messages[\(index)].role \"\(name)\" is not supported; use system, user or assistant")
        }
    }

    /// Ollama's `options`, mapped as the gRPC face maps `SamplingOptions`.
    private func sampling(_ options: FieldReader?, ignored: inout [String]) throws(GatewayError) -> SamplingParameters {
        guard let options else { return SamplingParameters() }
        ignored += options.unknownKeys(Self.knownOptions)
        var sampling = SamplingParameters()
        sampling.temperature = try options.float("temperature")
        sampling.topP = try options.float("top_p")
        if let topK = try options.int("top_k") {
            guard topK >= 0 else { throw GatewayError.badRequest("options.top_k must be 0 or more") }
            sampling.topK = UInt32(clamping: topK)
        }
        sampling.repetitionPenalty = try options.float("repeat_penalty")
        // Ollama: -1 generates until the model stops, -2 until the context is full; the runtime's
        // own limit applies to both. 0 is treated the same way rather than as "nothing".
        if let limit = try options.int("num_predict"), limit > 0 {
            sampling.maxTokens = UInt32(clamping: limit)
        }
        sampling.stop = try options.strings("stop") ?? []
        return sampling
    }

    /// `keep_alive: 0` (or "0", "0s") asks Ollama to unload; the runtime keeps its model, so this
    /// only changes the `done_reason` of a load request.
    private func isUnload(_ reader: FieldReader) throws(GatewayError) -> Bool {
        guard let value = reader.object["keep_alive"] else { return false }
        if let number = value.doubleValue { return number == 0 }
        if let text = value.stringValue { return ["0", "0s", "0m"].contains(text) }
        return false
    }

    private func logIgnored(_ fields: [String], path: String) {
        guard !fields.isEmpty else { return }
        logger.debug("ignoring fields the runtime does not support",
                     metadata: ["path": "\(path)", "fields": "\(fields.joined(separator: ", "))"])
    }
}
