/// Who wrote a chat message (`axrpc.v1.Role`); values this build does not know are kept.
public enum Role: Sendable, Hashable, RawRepresentable {
    case unspecified
    case system
    case user
    case assistant
    case unrecognized(Int32)

    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .system
        case 2: self = .user
        case 3: self = .assistant
        default: self = .unrecognized(rawValue)
        }
    }

    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .system: 1
        case .user: 2
        case .assistant: 3
        case .unrecognized(let value): value
        }
    }
}

/// One turn of a conversation (`axrpc.v1.ChatMessage`).
public struct ChatMessage: Sendable, Equatable {
    public var role: Role
    public var content: String

    public init(role: Role = .unspecified, content: String = "") {
        self.role = role
        self.content = content
    }
}

/// A chat turn: the whole conversation so far (`axrpc.v1.ChatRequest`).
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var options: SamplingOptions?

    public init(model: String = "", messages: [ChatMessage] = [], options: SamplingOptions? = nil) {
        self.model = model
        self.messages = messages
        self.options = options
    }
}
