import CAXRPCProto
import NIOCore

extension ChatMessage: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.ChatMessage"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__ChatMessage> {
        .init(packedSize: axrpc__v1__chat_message__get_packed_size, pack: axrpc__v1__chat_message__pack,
              unpack: axrpc__v1__chat_message__unpack, freeUnpacked: axrpc__v1__chat_message__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__ChatMessage {
        var c = Axrpc__V1__ChatMessage()
        axrpc__v1__chat_message__init(&c)
        // protobuf-c stores open enum values as they came, unknown ones included.
        c.role = Axrpc__V1__Role(rawValue: UInt32(bitPattern: role.rawValue))
        c.content = arena.string(content)
        (c.n_tool_calls, c.tool_calls) = arena.objects(toolCalls.map { $0.cMessage(in: arena) })
        c.tool_call_id = arena.string(toolCallID)
        c.name = arena.string(name)
        return c
    }

    init(cMessage c: Axrpc__V1__ChatMessage) throws {
        self.init(role: Role(rawValue: Int32(bitPattern: c.role.rawValue)),
                  content: try CField.string(c.content, "\(Self.protoName).content"),
                  toolCalls: try CField.messages(c.n_tool_calls, c.tool_calls, as: ToolCall.self),
                  toolCallID: try CField.string(c.tool_call_id, "\(Self.protoName).tool_call_id"),
                  name: try CField.string(c.name, "\(Self.protoName).name"))
    }
}

extension ChatRequest: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.ChatRequest"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__ChatRequest> {
        .init(packedSize: axrpc__v1__chat_request__get_packed_size, pack: axrpc__v1__chat_request__pack,
              unpack: axrpc__v1__chat_request__unpack, freeUnpacked: axrpc__v1__chat_request__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__ChatRequest {
        var c = Axrpc__V1__ChatRequest()
        axrpc__v1__chat_request__init(&c)
        c.model = arena.string(model)
        (c.n_messages, c.messages) = arena.objects(messages.map { $0.cMessage(in: arena) })
        c.options = options.map { arena.object($0.cMessage(in: arena)) }
        (c.n_tools, c.tools) = arena.objects(tools.map { $0.cMessage(in: arena) })
        c.tool_choice = arena.string(toolChoice)
        c.format = format.map { arena.object($0.cMessage(in: arena)) }
        return c
    }

    init(cMessage c: Axrpc__V1__ChatRequest) throws {
        self.init(model: try CField.string(c.model, "\(Self.protoName).model"),
                  messages: try CField.messages(c.n_messages, c.messages, as: ChatMessage.self),
                  options: try CField.message(c.options, as: SamplingOptions.self),
                  tools: try CField.messages(c.n_tools, c.tools, as: Tool.self),
                  toolChoice: try CField.string(c.tool_choice, "\(Self.protoName).tool_choice"),
                  format: try CField.message(c.format, as: OutputFormat.self))
    }
}
