import Logging

/// What a caller (gRPC, the HTTP gateway) asks the runtime to do, free of any wire format.
public struct GenerationRequest: Sendable {
    /// A stateless completion or one chat turn.
    public enum Job: Sendable, Equatable {
        /// Reset with `system` (nil: the model's default system prompt), then generate from `prompt`.
        case generate(prompt: String, system: String?)
        /// A whole conversation; the last turn is the user's. Continued without a reset when it
        /// extends what the runtime holds.
        case chat([ChatTurn])
    }

    /// The requested model name; nil or "" means the default model.
    public var model: String?
    public var job: Job
    public var sampling: SamplingParameters
    /// When the caller stops waiting; nil: no deadline.
    public var deadline: ContinuousClock.Instant?
    /// The caller's logger, carrying its `request_id`, so that the scheduler's and the runtime
    /// session's lines of this request join the front end's. nil: the engine's own logger.
    public var logger: Logger?

    public init(model: String? = nil, job: Job, sampling: SamplingParameters = .init(),
                deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil) {
        self.model = model
        self.job = job
        self.sampling = sampling
        self.deadline = deadline
        self.logger = logger
    }
}

/// One message of a conversation.
public struct ChatTurn: Sendable, Equatable, Hashable {
    public enum Role: Sendable, Equatable, Hashable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// Per-request sampling; nil fields take the model's default. The runtime's settings are global
/// and sticky, so the bridge resolves every field before each request.
public struct SamplingParameters: Sendable, Equatable {
    public var temperature: Float?
    public var topP: Float?
    public var topK: UInt32?
    public var repetitionPenalty: Float?
    public var maxTokens: UInt32?
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
