/// The model's sampling defaults as the vendor's `post_config.json` (next to the model, read by
/// the runtime at startup) states them, e.g. for Qwen3-4B:
///
///     { "enable_temperature": false, "temperature": 0.9,
///       "enable_repetition_penalty": false, "repetition_penalty": 1.2, "penalty_window": 30,
///       "enable_top_p_sampling": false, "top_p": 0.8,
///       "enable_top_k_sampling": true, "top_k": 1 }
///
/// Mapped onto the runtime's request semantics so that sending the defaults reproduces what the
/// file enables: a disabled setting becomes its "off" value (temperature 0, top-p 0, top-k 0,
/// repetition penalty 1.0); `top_k` 1 with top-k enabled is greedy. An `enable_*` key that is
/// absent counts as enabled when its value is present. Other keys are ignored.
struct PostConfig: Decodable, Equatable {
    var enableTemperature: LenientBool?
    var temperature: Double?
    var enableTopP: LenientBool?
    var topP: Double?
    var enableTopK: LenientBool?
    var topK: Double?
    var enableRepetitionPenalty: LenientBool?
    var repetitionPenalty: Double?

    enum CodingKeys: String, CodingKey {
        case enableTemperature = "enable_temperature"
        case temperature
        case enableTopP = "enable_top_p_sampling"
        case topP = "top_p"
        case enableTopK = "enable_top_k_sampling"
        case topK = "top_k"
        case enableRepetitionPenalty = "enable_repetition_penalty"
        case repetitionPenalty = "repetition_penalty"
    }

    /// What the runtime does without the file: argmax.
    static let greedy = SamplingDefaults(temperature: 0, topP: 0, topK: 1, repetitionPenalty: 1.0)

    /// Reads `path`; when it does not exist returns greedy defaults and a warning.
    static func load(path: String) throws(ConfigurationError) -> (SamplingDefaults, warning: String?) {
        guard FileInspection.exists(path) else {
            return (greedy, "no \(path): the runtime will sample greedily (argmax) and so will the server's "
                + "defaults (top_k 1); add the model's post_config.json to change that")
        }
        let config = try JSONFile.decode(PostConfig.self, at: path)
        return (try config.samplingDefaults(path: path), nil)
    }

    func samplingDefaults(path: String) throws(ConfigurationError) -> SamplingDefaults {
        func setting(_ flag: LenientBool?, _ value: Double?, _ flagKey: String, _ key: String) throws(ConfigurationError) -> Double? {
            let enabled = flag?.value ?? (value != nil)
            guard enabled else { return nil }
            guard let value else { throw .invalidFile(path, "\"\(flagKey)\" is true but \"\(key)\" is missing") }
            guard value.isFinite else { throw .invalidFile(path, "\"\(key)\" must be a finite number") }
            return value
        }
        var defaults = SamplingDefaults(temperature: 0, topP: 0, topK: 0, repetitionPenalty: 1.0)
        if let temperature = try setting(enableTemperature, temperature, "enable_temperature", "temperature") {
            guard temperature >= 0 else { throw .invalidFile(path, "\"temperature\" must not be negative") }
            defaults.temperature = Float(temperature)
        }
        if let topP = try setting(enableTopP, topP, "enable_top_p_sampling", "top_p") {
            guard topP >= 0 && topP <= 1 else { throw .invalidFile(path, "\"top_p\" must be between 0 and 1") }
            defaults.topP = Float(topP)
        }
        if let topK = try setting(enableTopK, topK, "enable_top_k_sampling", "top_k") {
            guard topK >= 0, topK == topK.rounded(), topK <= Double(UInt32.max) else {
                throw .invalidFile(path, "\"top_k\" must be a whole number of at least 0")
            }
            defaults.topK = UInt32(topK)
        }
        if let penalty = try setting(enableRepetitionPenalty, repetitionPenalty,
                                     "enable_repetition_penalty", "repetition_penalty") {
            guard penalty > 0 else { throw .invalidFile(path, "\"repetition_penalty\" must be positive") }
            defaults.repetitionPenalty = Float(penalty)
        }
        return defaults
    }
}
