import Foundation

/// Sampling with every field decided. The runtime's sampling settings are global and sticky (a
/// request that omits a key inherits the previous request's value), so every generate call
/// carries all four keys.
public struct ResolvedSampling: Sendable, Equatable {
    public var temperature: Float
    public var topP: Float
    public var topK: UInt32
    public var repetitionPenalty: Float

    public init(temperature: Float, topP: Float, topK: UInt32, repetitionPenalty: Float) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repetitionPenalty = repetitionPenalty
    }

    /// The request's values where set, the model's defaults elsewhere.
    public init(_ request: SamplingParameters, defaults: SamplingDefaults) {
        self.init(temperature: request.temperature ?? defaults.temperature,
                  topP: request.topP ?? defaults.topP,
                  topK: request.topK ?? defaults.topK,
                  repetitionPenalty: request.repetitionPenalty ?? defaults.repetitionPenalty)
    }
}

/// The JSON bodies of the legacy `main_api` protocol (see docs/runtime-protocol.md).
enum RuntimeWireFormat {
    struct ResetBody: Encodable {
        var system_prompt: String
    }

    struct GenerateBody: Encodable {
        var prompt: String
        var temperature: Double
        var repetitionPenalty: Double
        var topP: Double
        var topK: UInt32

        enum CodingKeys: String, CodingKey {
            case prompt, temperature
            case repetitionPenalty = "repetition_penalty"
            case topP = "top-p"
            case topK = "top-k"
        }

        init(prompt: String, sampling: ResolvedSampling) {
            self.prompt = prompt
            temperature = Self.decimal(sampling.temperature)
            repetitionPenalty = Self.decimal(sampling.repetitionPenalty)
            topP = Self.decimal(sampling.topP)
            topK = sampling.topK
        }

        /// 0.9 as a Float widened to Double prints as 0.899999976...; go through the Float's
        /// shortest decimal form so the runtime's log shows the value the caller asked for.
        private static func decimal(_ value: Float) -> Double {
            Double(value.description) ?? Double(value)
        }
    }

    /// `GET /api/generate_provider`: the text queued since the last poll and whether the
    /// runtime is idle.
    struct PollBody: Decodable {
        var response: String?
        var done: Bool
    }

    struct ErrorBody: Decodable {
        var error: String?
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

/// One answer of `generate_provider`.
public struct RuntimePoll: Sendable, Equatable {
    /// Text since the previous poll; may be empty (the runtime decodes every 3 tokens and holds
    /// back incomplete UTF-8).
    public var text: String
    /// The runtime is not busy. Right after a generate call this can be true before the work has
    /// started: see `GenerationLoop`.
    public var done: Bool
    public init(text: String, done: Bool) {
        self.text = text
        self.done = done
    }
}
