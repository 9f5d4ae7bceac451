/// The runtime's GLOBAL, STICKY sampling parameters (`LLMPostprocess`): a request changes only the keys it
/// carries, everything else keeps the previous request's value.
///
/// Setter rules copy the vendor's `set_llm_config`: `temperature <= 0` disables temperature;
/// `repetition_penalty - 1 < 0.0001` is skipped entirely (the old value stays); `top-p` in (0,1) enables
/// top-p and disables top-k; `top-k > 0` enables top-k and disables top-p (top-k is applied after top-p,
/// so it wins when both are sent); neither enabled means argmax.
struct SamplingState: Sendable, Equatable {
    var temperatureEnabled: Bool
    var temperature: Float
    var repetitionPenaltyEnabled: Bool
    var repetitionPenalty: Float
    var topPEnabled: Bool
    var topP: Float
    var topKEnabled: Bool
    var topK: Int

    /// How the next token is chosen.
    enum Mode: String, Sendable {
        case argmax, greedy, topK = "top_k", topP = "top_p"
    }

    /// Qwen3-4B's post_config.json: top-k 1 (greedy) on; temperature (0.9), penalty (1.2) and top-p (0.8)
    /// present but disabled (`enable_temperature: false`).
    static let qwen3Defaults = SamplingState(
        temperatureEnabled: false, temperature: 0.9,
        repetitionPenaltyEnabled: false, repetitionPenalty: 1.2,
        topPEnabled: false, topP: 0.8,
        topKEnabled: true, topK: 1
    )

    mutating func setTemperature(_ value: Float) {
        temperatureEnabled = value > 0
        temperature = value
    }

    mutating func setRepetitionPenalty(_ value: Float) {
        if value - 1 < 0.0001 { return }
        repetitionPenaltyEnabled = true
        repetitionPenalty = value
    }

    mutating func setTopP(_ value: Float) {
        topKEnabled = false
        topPEnabled = value > 0 && value < 1
        topP = value
    }

    mutating func setTopK(_ value: Int) {
        topPEnabled = false
        topKEnabled = value > 0
        topK = value
    }

    var mode: Mode {
        if topPEnabled { return .topP }
        if topKEnabled { return topK == 1 ? .greedy : .topK }
        return .argmax
    }

    /// Whether the choice of token is deterministic on the real hardware (argmax or top-k 1).
    var isGreedy: Bool { mode == .argmax || mode == .greedy }

    /// Feeds exactly the parameters that influence the real model's choice into `hasher`: greedy decoding
    /// ignores temperature, top-k and top-p (argmax of the penalised logits), so only the penalty counts there.
    func combine(into hasher: inout StableHasher) {
        hasher.combine(isGreedy ? "greedy" : mode.rawValue)
        hasher.combine(repetitionPenaltyEnabled ? UInt64(repetitionPenalty.bitPattern) : 0)
        guard !isGreedy else { return }
        hasher.combine(temperatureEnabled ? UInt64(temperature.bitPattern) : 0)
        switch mode {
        case .topP: hasher.combine(UInt64(topP.bitPattern))
        case .topK: hasher.combine(UInt64(UInt32(truncatingIfNeeded: topK)))
        case .argmax, .greedy: break
        }
    }
}
