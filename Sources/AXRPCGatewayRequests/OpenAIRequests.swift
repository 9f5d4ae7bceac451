import AXRPCFrontEnd
import Logging
import RuntimeBridge

/// An OpenAI `/v1/chat/completions` or `/v1/completions` body, read into the bridge's terms.
package struct OpenAIGenerationRequest: Sendable {
    /// The model as the client named it (echoed in answers); nil: the default model.
    package var model: String?
    package var job: GenerationRequest.Job
    package var sampling: SamplingParameters
    /// Tool calls and JSON output asked for.
    package var shaping: ReplyShaping
    package var stream: Bool
    /// `stream_options.include_usage`: one more chunk with `usage` (and no choices) before `[DONE]`.
    package var includeUsage: Bool
    /// Fields accepted and ignored, for the `X-Axrpc-Ignored-Fields` header.
    package var ignoredFields: [String]
}

/// Reads OpenAI's request bodies. Sampling fields the runtime has are mapped (plus vLLM's
/// `top_k` and `repetition_penalty` extensions), tools and `response_format` are composed into the
/// prompt, and every other field is treated as `FieldPolicies` says.
package struct OpenAIRequestReader {
    package let logger: Logger

    package func chat(_ body: JSONValue) throws(GatewayError) -> OpenAIGenerationRequest {
        let reader = FieldReader(object: body)
        var ignored = try FieldPolicies.openAIChat.check(reader)
        guard try reader.array("messages") != nil else {
            throw GatewayError.badRequest("messages is required: a list of {role, content} objects")
        }
        let incoming = try reader.items("messages") { (message, index) throws(GatewayError) in
            try Self.message(message, index: index, ignored: &ignored)
        }
        let tools = try reader.tools()
        let choice = try ToolChoice.read(reader.object["tool_choice"], tools: tools)
        let json = try Self.responseFormat(reader)
        logger.ignoredFields(ignored, path: "/v1/chat/completions")
        let extra = DialogComposer.extraSystem(tools: tools, choice: choice, json: json)
        return try request(reader, job: .chat(DialogComposer.turns(incoming, extraSystem: extra)),
                           shaping: DialogComposer.shaping(tools: tools, choice: choice, json: json), ignored: ignored)
    }

    package func completion(_ body: JSONValue) throws(GatewayError) -> OpenAIGenerationRequest {
        let reader = FieldReader(object: body)
        let ignored = try FieldPolicies.openAICompletion.check(reader)
        guard let prompts = try reader.strings("prompt") else {
            throw GatewayError.badRequest("prompt is required: the text to complete")
        }
        // A list of prompts asks for a batch; the runtime runs one generation at a time.
        guard prompts.count == 1, let prompt = prompts.first else {
            throw GatewayError.badRequest("prompt must be one string; batches of prompts are not supported")
        }
        logger.ignoredFields(ignored, path: "/v1/completions")
        return try request(reader, job: .generate(prompt: prompt, system: nil), shaping: .plain, ignored: ignored)
    }

    private func request(_ reader: FieldReader, job: GenerationRequest.Job, shaping: ReplyShaping,
                         ignored: [String]) throws(GatewayError) -> OpenAIGenerationRequest {
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
        sampling.repetitionPenalty = try OllamaRequestReader.penalty(reader, "repetition_penalty")
        // max_completion_tokens replaced max_tokens in OpenAI's API; both are still sent.
        let limitField = try reader.int("max_completion_tokens") != nil ? "max_completion_tokens" : "max_tokens"
        if let limit = try reader.int(limitField) {
            guard limit >= 1 else { throw GatewayError.badRequest("\(limitField) must be at least 1") }
            sampling.maxTokens = UInt32(clamping: limit)
        }
        sampling.stop = try reader.strings("stop") ?? []
        let includeUsage = try reader.object("stream_options")?.bool("include_usage") ?? false
        return OpenAIGenerationRequest(model: try reader.string("model"), job: job, sampling: sampling,
                                       shaping: shaping, stream: try reader.bool("stream") ?? false,
                                       includeUsage: includeUsage, ignoredFields: ignored)
    }

    /// `response_format`: `{"type": "text" | "json_object" | "json_schema", "json_schema": {"schema"}}`.
    package static func responseFormat(_ reader: FieldReader) throws(GatewayError) -> JSONOutput? {
        guard let format = try reader.object("response_format") else { return nil }
        switch try format.string("type") {
        case nil, "text": return nil
        case "json_object": return JSONOutput()
        case "json_schema":
            guard let schema = format.object["json_schema"]?.member("schema"), schema.isObject else {
                throw GatewayError.badRequest("response_format.json_schema.schema is required: a JSON schema object")
            }
            return JSONOutput(schema: schema)
        case let other?:
            throw GatewayError.badRequest(
                "response_format.type \"\(other)\" is not supported; use text, json_object or json_schema")
        }
    }

    /// One chat message. `content` is a string or a list of parts of which only text can be used;
    /// "developer" is OpenAI's newer name for "system"; "tool" results and an assistant's
    /// `tool_calls` are written into the conversation as Qwen's template does.
    package static func message(_ message: JSONValue, index: Int,
                        ignored: inout [String]) throws(GatewayError) -> IncomingMessage {
        guard message.isObject else { throw GatewayError.badRequest("messages[\(index)] must be an object") }
        let reader = FieldReader(object: message, prefix: "messages[\(index)].")
        ignored += try FieldPolicies.openAIMessage.check(reader)
        guard let roleName = try reader.string("role") else {
            throw GatewayError.badRequest("messages[\(index)].role is missing; use system, user, assistant or tool")
        }
        let role: IncomingMessage.Role
        switch roleName {
        case "system", "developer": role = .system
        case "user": role = .user
        case "assistant": role = .assistant
        case "tool": role = .tool
        default:
            throw GatewayError.badRequest(
                "messages[\(index)].role \"\(roleName)\" is not supported; use system, user, assistant or tool")
        }
        var incoming = IncomingMessage(role: role, content: try content(reader, index: index))
        for (callIndex, call) in (try reader.array("tool_calls") ?? []).enumerated() {
            incoming.toolCalls.append(try toolCall(call, field: "messages[\(index)].tool_calls[\(callIndex)]"))
        }
        return incoming
    }

    /// `{"id", "type": "function", "function": {"name", "arguments": "<JSON text>"}}`.
    private static func toolCall(_ call: JSONValue, field: String) throws(GatewayError) -> IncomingMessage.Call {
        guard let function = call.member("function"), let name = function.member("name")?.stringValue else {
            throw GatewayError.badRequest("\(field).function.name is required")
        }
        var arguments = function.member("arguments") ?? .object([])
        if let text = arguments.stringValue {
            guard let parsed = JSONValue.parse(text: text.isEmpty ? "{}" : text), parsed.isObject else {
                throw GatewayError.badRequest("\(field).function.arguments must be a JSON object (as text)")
            }
            arguments = parsed
        }
        guard arguments.isObject else {
            throw GatewayError.badRequest("\(field).function.arguments must be a JSON object (as text)")
        }
        return IncomingMessage.Call(name: name, arguments: arguments)
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
                throw GatewayError.badRequest(
                    "messages[\(index)].content: only text parts are supported (\(FieldPolicies.noImages))",
                    code: "unsupported_field")
            }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }
}
