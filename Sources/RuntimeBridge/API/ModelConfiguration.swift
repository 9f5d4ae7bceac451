/// The sampling the model uses when a request leaves a field unset (from `post_config.json`).
/// All fields are concrete: the runtime's settings are sticky, so every request sends all of them.
public struct SamplingDefaults: Sendable, Equatable {
    public var temperature: Float
    public var topP: Float
    public var topK: UInt32
    public var repetitionPenalty: Float
    public init(temperature: Float = 0.9, topP: Float = 0.8, topK: UInt32 = 1, repetitionPenalty: Float = 1.0) {
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
