import AXRPCFrontEnd

/// How the gateway treats each request field of the Ollama and OpenAI APIs, so that no field is
/// dropped without a trace: a supported field is used; an ignored one is accepted and named in
/// the `X-Axrpc-Ignored-Fields` response header (and the debug log); a rejected one answers 400
/// naming the field, unless its value asks for nothing (false, 0, "", [], {}, null). Fields not
/// in the table are treated as ignored. `docs/api-fields.md` is this table for people, and a test
/// walks it against a running server.
package enum FieldTreatment: Sendable, Equatable {
    case supported
    case ignored
    /// The reason goes into the 400's message, after the field's name.
    case rejected(String)
    /// Ignored up to a limit, refused above it (with the reason).
    case ignoredUpTo(Double, String)
}

/// The treatment of one object's keys (a request body, an `options` object, a message).
package struct FieldPolicy: Sendable {
    package var fields: [String: FieldTreatment]
    /// Values of a rejected field that ask for nothing beyond what the runtime does anyway.
    package var neutral: [String: [JSONValue]] = [:]

    /// Checks the keys of `reader`'s object: throws the 400 of the first rejected field that is
    /// set; returns the ignored fields present, prefixed as in messages (`options.seed`).
    package func check(_ reader: FieldReader) throws(GatewayError) -> [String] {
        var ignored: [String] = []
        for key in reader.object.objectKeys {
            guard let value = reader.object[key], !Self.asksForNothing(value) else { continue }
            switch fields[key] ?? .ignored {
            case .supported:
                continue
            case .ignored:
                ignored.append(reader.prefix + key)
            case let .rejected(reason):
                if neutral[key]?.contains(value) == true { continue }
                throw GatewayError.badRequest("\(reader.prefix)\(key) is not supported: \(reason)",
                                              code: "unsupported_field")
            case let .ignoredUpTo(limit, reason):
                if let number = value.doubleValue, number > limit {
                    throw GatewayError.badRequest("\(reader.prefix)\(key) above \(limit) is refused: \(reason)",
                                                  code: "unsupported_value")
                }
                ignored.append(reader.prefix + key)
            }
        }
        return ignored
    }

    /// null, false, 0, "", [] and {}: what clients send for "not set".
    package static func asksForNothing(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return true
        case let .bool(flag): return !flag
        case let .int(number): return number == 0
        case let .number(number): return number == 0
        case let .string(text): return text.isEmpty
        case let .array(items): return items.isEmpty
        case let .object(pairs): return pairs.isEmpty
        }
    }
}

/// The tables. Reasons are written for the person reading the 400.
package enum FieldPolicies {
    package static let noThinking = "Qwen3 runs with thinking switched off by the runtime (/no_think)"
    package static let noImages = "the model is text-only; it has no vision encoder"
    package static let template = "the runtime's tokenizer service always applies the model's chat template"
    package static let noLogprobs = "the runtime reports no token probabilities"
    package static let noPenalty = "the runtime has only a multiplicative repetition penalty, global and sticky: once on "
        + "it cannot be switched off, so it would leak into every later request; leave it at 1 or below"

    package static let ollamaGenerate = FieldPolicy(fields: [
        "model": .supported, "prompt": .supported, "system": .supported, "stream": .supported,
        "options": .supported, "format": .supported, "keep_alive": .ignored,
        "suffix": .rejected("fill-in-the-middle needs a model trained for it; the runtime only continues a prompt"),
        "template": .rejected(template), "raw": .rejected(template),
        "images": .rejected(noImages), "think": .rejected(noThinking),
        "logprobs": .rejected(noLogprobs), "top_logprobs": .rejected(noLogprobs),
        "context": .ignored,
    ])

    package static let ollamaChat = FieldPolicy(fields: [
        "model": .supported, "messages": .supported, "stream": .supported, "options": .supported,
        "format": .supported, "tools": .supported, "keep_alive": .ignored,
        "think": .rejected(noThinking), "logprobs": .rejected(noLogprobs), "top_logprobs": .rejected(noLogprobs),
    ])

    package static let ollamaMessage = FieldPolicy(fields: [
        "role": .supported, "content": .supported, "tool_calls": .supported, "tool_name": .supported,
        "images": .rejected(noImages), "thinking": .ignored,
    ])

    package static let ollamaOptions = FieldPolicy(fields: [
        "temperature": .supported, "top_p": .supported, "top_k": .supported, "num_predict": .supported,
        "stop": .supported, "repeat_penalty": .supported,
        "seed": .ignored, "num_ctx": .ignored, "num_keep": .ignored, "num_batch": .ignored, "num_gpu": .ignored,
        "main_gpu": .ignored, "num_thread": .ignored, "use_mmap": .ignored, "use_mlock": .ignored,
        "low_vram": .ignored, "vocab_only": .ignored, "numa": .ignored, "typical_p": .ignored, "min_p": .ignored,
        "tfs_z": .ignored, "mirostat": .ignored, "mirostat_tau": .ignored, "mirostat_eta": .ignored,
        "repeat_last_n": .ignored, "penalize_newline": .ignored,
        "presence_penalty": .ignoredUpTo(1, noPenalty), "frequency_penalty": .ignoredUpTo(1, noPenalty),
    ])

    private static let openAIShared: [String: FieldTreatment] = [
        "model": .supported, "stream": .supported, "stream_options": .supported, "max_tokens": .supported,
        "temperature": .supported, "top_p": .supported, "stop": .supported, "n": .supported,
        "top_k": .supported, "repetition_penalty": .supported,
        "frequency_penalty": .ignoredUpTo(1, noPenalty), "presence_penalty": .ignoredUpTo(1, noPenalty),
        "logit_bias": .rejected("the runtime cannot bias tokens"), "logprobs": .rejected(noLogprobs),
        "seed": .ignored, "user": .ignored,
    ]

    package static let openAIChat = FieldPolicy(fields: openAIShared.merging([
        "messages": .supported, "max_completion_tokens": .supported, "tools": .supported,
        "tool_choice": .supported, "response_format": .supported, "parallel_tool_calls": .ignored,
        "top_logprobs": .rejected(noLogprobs), "store": .ignored, "metadata": .ignored, "service_tier": .ignored,
        "prediction": .ignored, "reasoning_effort": .ignored, "safety_identifier": .ignored,
        "prompt_cache_key": .ignored, "verbosity": .ignored,
        "modalities": .rejected("the model only writes text"), "audio": .rejected("the model only writes text"),
        "web_search_options": .rejected("the server has no web search"),
        "functions": .rejected("the deprecated functions API is not served; send tools"),
        "function_call": .rejected("the deprecated functions API is not served; send tool_choice"),
    ]) { $1 }, neutral: ["modalities": [["text"]]])

    package static let openAIMessage = FieldPolicy(fields: [
        "role": .supported, "content": .supported, "tool_calls": .supported, "tool_call_id": .supported,
        "name": .ignored, "refusal": .ignored,
        "audio": .rejected("the model only reads text"),
        "function_call": .rejected("the deprecated functions API is not served; send tool_calls"),
    ])

    package static let openAICompletion = FieldPolicy(fields: openAIShared.merging([
        "prompt": .supported,
        "suffix": .rejected("fill-in-the-middle needs a model trained for it; the runtime only continues a prompt"),
        "echo": .rejected("the prompt is not echoed"),
        "best_of": .rejected("one generation runs per request"),
    ]) { $1 }, neutral: ["best_of": [1]])
}
