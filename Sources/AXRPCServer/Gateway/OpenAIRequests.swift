import Logging
import RuntimeBridge

/// An OpenAI `/v1/chat/completions` or `/v1/completions` body, read into the bridge's terms.
struct OpenAIGenerationRequest: Sendable {
    /// The model as the client named it (echoed in answers); nil: the default model.
    var model: String?
    var job: GenerationRequest.Job
    var sampling: SamplingParameters
    var stream: Bool
    /// `stream_options.include_usage`: one more chunk with `usage` (and no choices) before `[DONE]`.
    var includeUsage: Bool
}

/// Reads OpenAI's request bodies. Sampling fields the runtime has are mapped (plus vLLM's
/// `top_k` and `repetition_penalty` extensions); the rest (seed, penalties, logprobs, tools,
/// response_format, user...) are ignored and named in the debug log, as OpenAI-compatible servers do.
struct OpenAIRequestReader {
    let logger: Logger

    private static let sharedFields: Set<String> = [
        "model", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p",
        "stop", "n", "top_k", "repetition_penalty",
    ]

    func chat(_ body: JSONValue) throws(GatewayError) -> OpenAIGenerationRequest {
        let reader = FieldReader(object: body)
        guard let messages = try reader.array("messages") else {
            throw GatewayError.badRequest("messages is required: a list of {role, content} objects")
        }
        var turns: [ChatTurn] = []
        for (index, message) in messages.enumerated() {
            turns.append(try Self.turn(message, index: index))
        }
        logIgnored(reader.unknownKeys(Self.sharedFields.union(["messages"])), path: "/v1/chat/completions")
        return try request(reader, job: .chat(turns))
    }

    func completion(_ body: JSONValue) throws(GatewayError) -> OpenAIGenerationRequest {
        let reader = FieldReader(object: body)
        guard let prompts = try reader.strings("prompt") else {
            throw GatewayError.badRequest("prompt is required: the text to complete")
        }
        // A list of prompts asks for a batch; the runtime runs one generation at a time.
        guard prompts.count == 1, let prompt = prompts.first else {
            throw GatewayError.badRequest("prompt must be one string; batches of prompts are not supported")
        }
        logIgnored(reader.unknownKeys(Self.sharedFields.union(["prompt"])), path: "/v1/completions")
        return try request(reader, job: .generate(prompt: prompt, system: nil))
    }

    private func request(_ reader: FieldReader, job: GenerationRequest.Job) throws(GatewayError) -> OpenAIGenerationRequest {
        if let n = try reader.int("n"), n != 1 {
            throw GatewayError.badRequest("n must be 1: one choice per request is supported")
        }
        var sampling = SamplingParameters()
        sampling.temperature = try reader.float("temperature")
        sampling.topP = try reader.float("top_p")
        if let topK = try reader.int("top_k") {
            guard topK >= 0 else { throw GatewayError.badRequest("top_k must be 0 or more") }
            sampling.topK = UInt32(clamping: topK)
        }
        sampling.repetitionPenalty = try reader.float("repetition_penalty")
        // max_completion_tokens replaced max_tokens in OpenAI's API; both are still sent.
        let limitField = try reader.int("max_completion_tokens") != nil ? "max_completion_tokens" : "max_tokens"
        if let limit = try reader.int(limitField) {
            guard limit >= 1 else { throw GatewayError.badRequest("\(limitField) must be at least 1") }
            sampling.maxTokens = UInt32(clamping: limit)
        }
        sampling.stop = try reader.strings("stop") ?? []
        let includeUsage = try reader.object("stream_options")?.bool("include_usage") ?? false
        return OpenAIGenerationRequest(model: try reader.string("model"), job: job, sampling: sampling,
                                       stream: try reader.bool("stream") ?? false, includeUsage: includeUsage)
    }

    /// One chat message. `content` is a string or a list of parts of which only text can be used;
    /// "developer" is OpenAI's newer name for "system". Tool messages have no place in a plain
    /// text conversation and are refused rather than dropped.
    static func turn(_ message: JSONValue, index: Int) throws(GatewayError) -> ChatTurn {
        guard message.isObject else { throw GatewayError.badRequest("messages[\(index)] must be an object") }
        let reader = FieldReader(object: message, prefix: "messages[\(index)].")
        guard let roleName = try reader.string("role") else {
            throw GatewayError.badRequest("messages[\(index)].role is missing; use system, user or assistant")
        }
        let role: ChatTurn.Role
        switch roleName {
        case "system", "developer": role = .system
        case "user": role = .user
        case "assistant": role = .assistant
        default:
            throw GatewayError.badRequest(
                "messages[\(index)].role \"\(roleName)\" is not supported; use system, user or assistant")
        }
        return ChatTurn(role: role, content: try content(reader, index: index))
    }

    private static func content(_ reader: FieldReader, index: Int) throws(GatewayError) -> String {
        guard let value = reader.object["content"], !value.isNull else { return "" }
        if let text = value.stringValue { return text }
        guard let parts = value.arrayValue else {
            throw GatewayError.badRequest("messages[\(index)].content must be a string or a list of parts")
        }
        var texts: [String] = []
        for part in parts {
            let partReader = FieldReader(object: part, prefix: "messages[\(index)].content[].")
            guard (try partReader.string("type")) == "text", let text = try partReader.string("text") else {
                throw GatewayError.badRequest("messages[\(index)].content: only text parts are supported")
            }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }

    private func logIgnored(_ fields: [String], path: String) {
        guard !fields.isEmpty else { return }
        logger.debug("ignoring fields the runtime does not support",
                     metadata: ["path": "\(path)", "fields": "\(fields.joined(separator: ", "))"])
    }
}
