import Foundation

/// The JSON bodies of the legacy `main_api` protocol (see docs/runtime-protocol.md).
enum RuntimeWireFormat {
    struct ResetBody: Encodable {
        var system_prompt: String
    }

    /// `/api/generate`: the prompt and the sampling keys `ResolvedSampling` decided on. A key
    /// left out keeps the runtime's sticky value, so what is sent is chosen to leave no request's
    /// setting in force for the next one (see `ResolvedSampling`).
    struct GenerateBody: Encodable {
        var prompt: String
        var sampling: ResolvedSampling

        enum CodingKeys: String, CodingKey {
            case prompt, temperature
            case repetitionPenalty = "repetition_penalty"
            case topP = "top-p"
            case topK = "top-k"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(prompt, forKey: .prompt)
            try container.encode(Self.decimal(sampling.temperature), forKey: .temperature)
            if let penalty = sampling.repetitionPenalty {
                try container.encode(Self.decimal(penalty), forKey: .repetitionPenalty)
            }
            switch sampling.selection {
            case let .topP(value): try container.encode(Self.decimal(value), forKey: .topP)
            case let .topK(value): try container.encode(value, forKey: .topK)
            }
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
    /// started: see `RuntimeTurnStateMachine`.
    public var done: Bool
    public init(text: String, done: Bool) {
        self.text = text
        self.done = done
    }
}
