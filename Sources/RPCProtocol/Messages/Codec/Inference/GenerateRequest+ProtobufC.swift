import CAXRPCProto
import NIOCore

extension GenerateRequest: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.GenerateRequest"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__GenerateRequest> {
        .init(packedSize: axrpc__v1__generate_request__get_packed_size, pack: axrpc__v1__generate_request__pack,
              unpack: axrpc__v1__generate_request__unpack, freeUnpacked: axrpc__v1__generate_request__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__GenerateRequest {
        var c = Axrpc__V1__GenerateRequest()
        axrpc__v1__generate_request__init(&c)
        c.model = arena.string(model)
        c.prompt = arena.string(prompt)
        c.system = arena.string(system)
        c.options = options.map { arena.object($0.cMessage(in: arena)) }
        c.format = format.map { arena.object($0.cMessage(in: arena)) }
        return c
    }

    init(cMessage c: Axrpc__V1__GenerateRequest) throws {
        self.init(model: try CField.string(c.model, "\(Self.protoName).model"),
                  prompt: try CField.string(c.prompt, "\(Self.protoName).prompt"),
                  system: try CField.string(c.system, "\(Self.protoName).system"),
                  options: try CField.message(c.options, as: SamplingOptions.self),
                  format: try CField.message(c.format, as: OutputFormat.self))
    }
}
