/// How to sample tokens (`axrpc.v1.SamplingOptions`). nil = the model's default; a value that is
/// set stays set through the wire even when it is 0.
public struct SamplingOptions: Sendable, Equatable {
    /// <= 0: greedy.
    public var temperature: Float?
    public var topP: Float?
    /// 1: greedy.
    public var topK: UInt32?
    public var repetitionPenalty: Float?
    public var maxTokens: UInt32?
    /// Generated text is cut before the first match.
    public var stop: [String]

    public init(temperature: Float? = nil, topP: Float? = nil, topK: UInt32? = nil,
                repetitionPenalty: Float? = nil, maxTokens: UInt32? = nil, stop: [String] = []) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repetitionPenalty = repetitionPenalty
        self.maxTokens = maxTokens
        self.stop = stop
    }
}
