import AXRPCFrontEnd
import Logging
import RuntimeBridge

/// An Ollama `/api/generate` or `/api/chat` body, read into the bridge's terms.
package struct OllamaGenerationRequest: Sendable {
    /// The model as the client named it (echoed in every answer, as Ollama does); nil: default.
    package var model: String?
    package var job: GenerationRequest.Job
    package var sampling: SamplingParameters
    /// Tool calls and JSON output asked for.
    package var shaping: ReplyShaping
    /// Ollama streams unless told `"stream": false`.
    package var stream: Bool
    /// Ollama's "load the model" request: no prompt (or no messages). Answered at once with
    /// `done_reason` "load" (or "unload" with `keep_alive: 0`); `ollama run` sends one first.
    package var loadOnly: Bool
    package var unload: Bool
    /// Fields accepted and ignored, for the `X-Axrpc-Ignored-Fields` header.
    package var ignoredFields: [String]
}

/// Reads Ollama's request bodies (docs/api.md) with the same rules as the gRPC face. Every field
/// is treated as `FieldPolicies` says: used, ignored and reported, or refused with a 400.
package struct OllamaRequestReader {
    package let logger: Logger

    package func generate(_ body: JSONValue) throws(GatewayError) -> OllamaGenerationRequest {
        let reader = FieldReader(object: body)
        var ignored = try FieldPolicies.ollamaGenerate.check(reader)
        let prompt = try reader.string("prompt") ?? ""
        let system = try reader.string("system").flatMap { $0.isEmpty ? nil : $0 }
        let sampling = try self.sampling(reader.object("options"), ignored: &ignored)
        let json = try Self.format(reader)
        logger.ignoredFields(ignored, path: "/api/generate")
        // Whitespace-only prompts are not "load" requests: the engine rejects them with 400.
        return OllamaGenerationRequest(
            model: try reader.string("model"),
            job: .generate(prompt: prompt, system: json.map { $0.system(base: system) } ?? system),
            sampling: sampling, shaping: ReplyShaping(json: json), stream: try reader.bool("stream") ?? true,
            loadOnly: prompt.isEmpty, unload: try isUnload(reader), ignoredFields: ignored)
    }

    package func chat(_ body: JSONValue) throws(GatewayError) -> OllamaGenerationRequest {
        let reader = FieldReader(object: body)
        var ignored = try FieldPolicies.ollamaChat.check(reader)
        let incoming = try reader.items("messages") { (message, index) throws(GatewayError) in
            try Self.message(message, index: index, ignored: &ignored)
        }
        let tools = try reader.tools()
        let json = try Self.format(reader)
        let sampling = try self.sampling(reader.object("options"), ignored: &ignored)
        logger.ignoredFields(ignored, path: "/api/chat")
        let extra = DialogComposer.extraSystem(tools: tools, choice: .auto, json: json)
        return OllamaGenerationRequest(
            model: try reader.string("model"), job: .chat(DialogComposer.turns(incoming, extraSystem: extra)),
            sampling: sampling, shaping: DialogComposer.shaping(tools: tools, choice: .auto, json: json),
            stream: try reader.bool("stream") ?? true, loadOnly: incoming.isEmpty, unload: try isUnload(reader),
            ignoredFields: ignored)
    }

    /// One message: `{role, content}`, an assistant's `tool_calls`, or a `tool` result.
    package static func message(_ message: JSONValue, index: Int,
                        ignored: inout [String]) throws(GatewayError) -> IncomingMessage {
        guard message.isObject else { throw GatewayError.badRequest("messages[\(index)] must be an object") }
        let reader = FieldReader(object: message, prefix: "messages[\(index)].")
        ignored += try FieldPolicies.ollamaMessage.check(reader)
        guard let roleName = try reader.string("role") else {
            throw GatewayError.badRequest("messages[\(index)].role is missing; use system, user, assistant or tool")
        }
        var incoming = IncomingMessage(role: try role(roleName, index: index), content: try reader.string("content") ?? "")
        for (callIndex, call) in (try reader.array("tool_calls") ?? []).enumerated() {
            let field = "messages[\(index)].tool_calls[\(callIndex)]"
            guard let function = call.member("function"), let name = function.member("name")?.stringValue else {
                throw GatewayError.badRequest("\(field).function.name is required")
            }
            var arguments = function.member("arguments") ?? .object([])
            // Ollama sends an object; some clients pass OpenAI's JSON-in-a-string through.
            if let text = arguments.stringValue, let parsed = JSONValue.parse(text: text) { arguments = parsed }
            guard arguments.isObject || arguments.isNull else {
                throw GatewayError.badRequest("\(field).function.arguments must be an object")
            }
            incoming.toolCalls.append(IncomingMessage.Call(name: name, arguments: arguments.isNull ? .object([]) : arguments))
        }
        return incoming
    }

    package static func role(_ name: String, index: Int) throws(GatewayError) -> IncomingMessage.Role {
        switch name.lowercased() {
        case "system": return .system
        case "user": return .user
        case "assistant": return .assistant
        case "tool": return .tool
        default:
            throw GatewayError.badRequest(
                "messages[\(index)].role \"\(name)\" is not supported; use system, user, assistant or tool")
        }
    }

    /// `format`: "json", or a JSON schema object.
    package static func format(_ reader: FieldReader) throws(GatewayError) -> JSONOutput? {
        guard let value = reader.object["format"], !FieldPolicy.asksForNothing(value) else { return nil }
        if value.stringValue == "json" { return JSONOutput() }
        guard value.isObject else {
            throw GatewayError.badRequest("format must be \"json\" or a JSON schema object")
        }
        return JSONOutput(schema: value)
    }

    /// Ollama's `options`, mapped as the gRPC face maps `SamplingOptions`.
    private func sampling(_ options: FieldReader?, ignored: inout [String]) throws(GatewayError) -> SamplingParameters {
        guard let options else { return SamplingParameters() }
        ignored += try FieldPolicies.ollamaOptions.check(options)
        var sampling = SamplingParameters()
        sampling.temperature = try options.float("temperature")
        sampling.topP = try options.float("top_p")
        if let topK = try options.int("top_k") {
            guard topK >= 0 else { throw GatewayError.badRequest("options.top_k must be 0 or more") }
            sampling.topK = UInt32(clamping: topK)
        }
        sampling.repetitionPenalty = try Self.penalty(options, "repeat_penalty")
        // Ollama: -1 generates until the model stops, -2 until the context is full; the runtime's
        // own limit applies to both. 0 is treated the same way rather than as "nothing".
        if let limit = try options.int("num_predict"), limit > 0 {
            sampling.maxTokens = UInt32(clamping: limit)
        }
        sampling.stop = try options.strings("stop") ?? []
        return sampling
    }

    /// A repetition penalty: above 1 it is refused, because the runtime's penalty is global and
    /// sticky (once on it cannot be switched off) and would leak into every later request.
    package static func penalty(_ reader: FieldReader, _ key: String) throws(GatewayError) -> Float? {
        guard let value = try reader.float(key) else { return nil }
        guard value <= 1 else {
            throw GatewayError.badRequest("\(reader.prefix)\(key) \(value) is refused: \(FieldPolicies.noPenalty)",
                                          code: "unsupported_value")
        }
        return value
    }

    /// `keep_alive: 0` (or "0", "0s") asks Ollama to unload; the runtime keeps its model, so this
    /// only changes the `done_reason` of a load request.
    private func isUnload(_ reader: FieldReader) throws(GatewayError) -> Bool {
        guard let value = reader.object["keep_alive"] else { return false }
        if let number = value.doubleValue { return number == 0 }
        if let text = value.stringValue { return ["0", "0s", "0m"].contains(text) }
        return false
    }
}
