/// Why generation stopped (`axrpc.v1.FinishReason`); values this build does not know are kept.
public enum FinishReason: Sendable, Hashable, RawRepresentable {
    case unspecified
    case stop
    case length
    case stopSequence
    /// The reply is one or more tool calls.
    case toolCalls
    case unrecognized(Int32)

    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .stop
        case 2: self = .length
        case 3: self = .stopSequence
        case 4: self = .toolCalls
        default: self = .unrecognized(rawValue)
        }
    }

    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .stop: 1
        case .length: 2
        case .stopSequence: 3
        case .toolCalls: 4
        case .unrecognized(let value): value
        }
    }
}

/// Token counts of a call (`axrpc.v1.Usage`).
public struct Usage: Sendable, Equatable {
    public var promptTokens: UInt32
    public var completionTokens: UInt32
    /// The counts are estimates, not the tokenizer's.
    public var estimated: Bool

    public init(promptTokens: UInt32 = 0, completionTokens: UInt32 = 0, estimated: Bool = false) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.estimated = estimated
    }
}

/// Where the time of a call went (`axrpc.v1.Timings`).
public struct Timings: Sendable, Equatable {
    public var queueMs: Double
    public var timeToFirstTokenMs: Double
    public var generationMs: Double
    public var totalMs: Double
    public var tokensPerSecond: Double

    public init(queueMs: Double = 0, timeToFirstTokenMs: Double = 0, generationMs: Double = 0,
                totalMs: Double = 0, tokensPerSecond: Double = 0) {
        self.queueMs = queueMs
        self.timeToFirstTokenMs = timeToFirstTokenMs
        self.generationMs = generationMs
        self.totalMs = totalMs
        self.tokensPerSecond = tokensPerSecond
    }
}

/// The summary that ends a successful generation (`axrpc.v1.Completion`).
public struct Completion: Sendable, Equatable {
    public var finishReason: FinishReason
    public var usage: Usage?
    public var timings: Timings?
    public var contextReused: Bool
    public var model: String

    public init(finishReason: FinishReason = .unspecified, usage: Usage? = nil, timings: Timings? = nil,
                contextReused: Bool = false, model: String = "") {
        self.finishReason = finishReason
        self.usage = usage
        self.timings = timings
        self.contextReused = contextReused
        self.model = model
    }
}
