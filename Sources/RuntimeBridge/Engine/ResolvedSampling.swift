/// The sampling keys one `/api/generate` sends, decided from the request and the model's
/// defaults (`post_config.json`).
///
/// The runtime's sampler is global and sticky, applies keys in the order temperature,
/// repetition_penalty, top-p, top-k, and lets a `top-p` key switch top-k off and a `top-k` key
/// switch top-p off. So every request sends its temperature and exactly one of top-p / top-k, and
/// nothing a request asked for survives into the next one:
///
/// | request | sent | the runtime then |
/// |---|---|---|
/// | temperature t | `temperature` t | scales by t; t = 0 switches scaling off |
/// | temperature unset | the model's (0 when its file has it off) | |
/// | top_k k >= 1 (top_p ignored) | `top-k` k | top-k sampling (k = 1: greedy) |
/// | top_p p in [0, 1), top_k unset or 0 | `top-p` p | nucleus sampling (p = 0: argmax) |
/// | neither (top_p 1 and top_k 0 count as unset) | the model's: `top-k` k, else `top-p` p, else `top-k` 0 | Qwen3-4B: top-k 1, greedy |
/// | repetition_penalty | refused unless the model enables one: a penalty cannot be switched off again | |
public struct ResolvedSampling: Sendable, Equatable {
    /// Which of the two exclusive filters runs.
    public enum Selection: Sendable, Equatable {
        case topP(Float)
        /// 0 switches both filters off (argmax).
        case topK(UInt32)
    }

    public var temperature: Float
    public var selection: Selection
    /// Sent only when the model's defaults enable a penalty (then always, so every request gets
    /// its own or the default value).
    public var repetitionPenalty: Float?

    public init(temperature: Float, selection: Selection, repetitionPenalty: Float? = nil) {
        self.temperature = temperature
        self.selection = selection
        self.repetitionPenalty = repetitionPenalty
    }

    /// The keys for `request` on a model with `defaults`, or why the request cannot be honoured.
    public static func resolve(_ request: SamplingParameters, defaults: SamplingDefaults)
        -> Result<ResolvedSampling, BridgeError> {
        if let t = request.temperature, !(t >= 0) {
            return .failure(.invalidArgument("temperature must be 0 or more (got \(t))"))
        }
        if let p = request.topP, !(p >= 0 && p <= 1) {
            return .failure(.invalidArgument("top_p must be between 0 and 1 (got \(p))"))
        }
        let penalty: Float?
        switch resolvePenalty(request.repetitionPenalty, default: defaults.repetitionPenalty) {
        case let .success(value): penalty = value
        case let .failure(error): return .failure(error)
        }
        let temperature = request.temperature ?? defaults.temperature
        let selection: Selection
        if let k = request.topK, k >= 1 {
            selection = .topK(k)
        } else if let p = request.topP, p < 1 {
            selection = .topP(p)
        } else if defaults.topK >= 1 {
            selection = .topK(defaults.topK)
        } else if defaults.topP > 0, defaults.topP < 1 {
            selection = .topP(defaults.topP)
        } else {
            selection = .topK(0)
        }
        return .success(ResolvedSampling(temperature: temperature, selection: selection, repetitionPenalty: penalty))
    }

    /// The runtime skips a penalty <= 1.0001, so once one is set no request can switch it off:
    /// a request may set one only where the model's default keeps one on anyway.
    private static func resolvePenalty(_ requested: Float?, default modelDefault: Float) -> Result<Float?, BridgeError> {
        let defaultOn = modelDefault > 1.0001
        guard let requested else { return .success(defaultOn ? modelDefault : nil) }
        guard requested > 0, requested.isFinite else {
            return .failure(.invalidArgument("repetition_penalty must be a positive number (got \(requested))"))
        }
        let asksForPenalty = requested > 1.0001
        switch (asksForPenalty, defaultOn) {
        case (true, true): return .success(requested)
        case (false, false): return .success(nil)
        case (true, false):
            return .failure(.invalidArgument(
                "repetition_penalty is not supported by this model's runtime: once set it cannot be switched off "
                + "again and would apply to every later request; leave it unset"))
        case (false, true):
            return .failure(.invalidArgument(
                "repetition_penalty cannot be switched off on this model: its runtime keeps the default "
                + "\(modelDefault); send a value above 1 or leave it unset"))
        }
    }
}
