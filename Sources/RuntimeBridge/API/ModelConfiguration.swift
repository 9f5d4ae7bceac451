/// The sampling the model uses when a request leaves a field unset (from `post_config.json`).
/// A setting the file disables holds its "off" value: temperature 0, top-p 0, top-k 0, repetition
/// penalty 1. The defaults are Qwen3-4B's file: temperature off, top-k 1 (greedy).
/// `ResolvedSampling` turns them into the keys each request sends.
public struct SamplingDefaults: Sendable, Equatable {
    public var temperature: Float
    public var topP: Float
    public var topK: UInt32
    public var repetitionPenalty: Float
    public init(temperature: Float = 0, topP: Float = 0, topK: UInt32 = 1, repetitionPenalty: Float = 1.0) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repetitionPenalty = repetitionPenalty
    }
}

/// Everything the bridge needs to know about the one model the runtime serves.
public struct ModelConfiguration: Sendable, Equatable {
    public var descriptor: ModelDescriptor
    public var samplingDefaults: SamplingDefaults
    /// The KV cache size in tokens (Qwen3-4B: 2048).
    public var contextTokens: Int
    /// Used when a request brings none; the runtime's own default otherwise.
    public var defaultSystemPrompt: String
    public init(descriptor: ModelDescriptor, samplingDefaults: SamplingDefaults = .init(),
                contextTokens: Int = 2048,
                defaultSystemPrompt: String = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.") {
        self.descriptor = descriptor
        self.samplingDefaults = samplingDefaults
        self.contextTokens = contextTokens
        self.defaultSystemPrompt = defaultSystemPrompt
    }
}
