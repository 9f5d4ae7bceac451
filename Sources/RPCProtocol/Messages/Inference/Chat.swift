/// Who wrote a chat message (`axrpc.v1.Role`); values this build does not know are kept.
public enum Role: Sendable, Hashable, RawRepresentable {
    case unspecified
    case system
    case user
    case assistant
    /// A tool's result (given to the model as Qwen's `<tool_response>` turn).
    case tool
    case unrecognized(Int32)

    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .system
        case 2: self = .user
        case 3: self = .assistant
        case 4: self = .tool
        default: self = .unrecognized(rawValue)
        }
    }

    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .system: 1
        case .user: 2
        case .assistant: 3
        case .tool: 4
        case .unrecognized(let value): value
        }
    }
}

/// One turn of a conversation (`axrpc.v1.ChatMessage`).
public struct ChatMessage: Sendable, Equatable {
    public var role: Role
    public var content: String
    /// An assistant message's tool calls.
    public var toolCalls: [ToolCall]
    /// A tool message: the call it answers and the tool's name (informational).
    public var toolCallID: String
    public var name: String

    public init(role: Role = .unspecified, content: String = "", toolCalls: [ToolCall] = [],
                toolCallID: String = "", name: String = "") {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.name = name
    }
}

/// A chat turn: the whole conversation so far (`axrpc.v1.ChatRequest`).
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var options: SamplingOptions?
    /// Functions the model may call.
    public var tools: [Tool]
    /// "" or "auto", "none", "required", or a tool's name.
    public var toolChoice: String
    /// JSON output; nil: free text.
    public var format: OutputFormat?

    public init(model: String = "", messages: [ChatMessage] = [], options: SamplingOptions? = nil,
                tools: [Tool] = [], toolChoice: String = "", format: OutputFormat? = nil) {
        self.model = model
        self.messages = messages
        self.options = options
        self.tools = tools
        self.toolChoice = toolChoice
        self.format = format
    }
}
