import CAXRPCProto
import NIOCore

extension Tool: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.Tool"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__Tool> {
        .init(packedSize: axrpc__v1__tool__get_packed_size, pack: axrpc__v1__tool__pack,
              unpack: axrpc__v1__tool__unpack, freeUnpacked: axrpc__v1__tool__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__Tool {
        var c = Axrpc__V1__Tool()
        axrpc__v1__tool__init(&c)
        c.name = arena.string(name)
        c.description = arena.string(description)
        c.parameters_json = arena.string(parametersJSON)
        return c
    }

    init(cMessage c: Axrpc__V1__Tool) throws {
        self.init(name: try CField.string(c.name, "\(Self.protoName).name"),
                  description: try CField.string(c.description, "\(Self.protoName).description"),
                  parametersJSON: try CField.string(c.parameters_json, "\(Self.protoName).parameters_json"))
    }
}

extension ToolCall: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.ToolCall"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__ToolCall> {
        .init(packedSize: axrpc__v1__tool_call__get_packed_size, pack: axrpc__v1__tool_call__pack,
              unpack: axrpc__v1__tool_call__unpack, freeUnpacked: axrpc__v1__tool_call__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__ToolCall {
        var c = Axrpc__V1__ToolCall()
        axrpc__v1__tool_call__init(&c)
        c.id = arena.string(id)
        c.name = arena.string(name)
        c.arguments_json = arena.string(argumentsJSON)
        return c
    }

    init(cMessage c: Axrpc__V1__ToolCall) throws {
        self.init(id: try CField.string(c.id, "\(Self.protoName).id"),
                  name: try CField.string(c.name, "\(Self.protoName).name"),
                  argumentsJSON: try CField.string(c.arguments_json, "\(Self.protoName).arguments_json"))
    }
}

extension OutputFormat: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.OutputFormat"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__OutputFormat> {
        .init(packedSize: axrpc__v1__output_format__get_packed_size, pack: axrpc__v1__output_format__pack,
              unpack: axrpc__v1__output_format__unpack, freeUnpacked: axrpc__v1__output_format__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__OutputFormat {
        var c = Axrpc__V1__OutputFormat()
        axrpc__v1__output_format__init(&c)
        c.json = CField.cBool(json)
        c.json_schema = arena.string(jsonSchema)
        return c
    }

    init(cMessage c: Axrpc__V1__OutputFormat) throws {
        self.init(json: CField.bool(c.json), jsonSchema: try CField.string(c.json_schema, "\(Self.protoName).json_schema"))
    }
}
