import CAXRPCProto
import NIOCore

extension ListModelsRequest: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.ListModelsRequest"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__ListModelsRequest> {
        .init(packedSize: axrpc__v1__list_models_request__get_packed_size, pack: axrpc__v1__list_models_request__pack,
              unpack: axrpc__v1__list_models_request__unpack,
              freeUnpacked: axrpc__v1__list_models_request__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__ListModelsRequest {
        var c = Axrpc__V1__ListModelsRequest()
        axrpc__v1__list_models_request__init(&c)
        return c
    }

    init(cMessage c: Axrpc__V1__ListModelsRequest) throws {
        self.init()
    }
}

extension ModelInfo: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.ModelInfo"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__ModelInfo> {
        .init(packedSize: axrpc__v1__model_info__get_packed_size, pack: axrpc__v1__model_info__pack,
              unpack: axrpc__v1__model_info__unpack, freeUnpacked: axrpc__v1__model_info__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__ModelInfo {
        var c = Axrpc__V1__ModelInfo()
        axrpc__v1__model_info__init(&c)
        c.name = arena.string(name)
        c.family = arena.string(family)
        c.parameter_size = arena.string(parameterSize)
        c.quantization = arena.string(quantization)
        c.context_length = contextLength
        c.loaded = CField.cBool(loaded)
        c.emulated = CField.cBool(emulated)
        c.is_default = CField.cBool(isDefault)
        return c
    }

    init(cMessage c: Axrpc__V1__ModelInfo) throws {
        self.init(name: try CField.string(c.name, "\(Self.protoName).name"),
                  family: try CField.string(c.family, "\(Self.protoName).family"),
                  parameterSize: try CField.string(c.parameter_size, "\(Self.protoName).parameter_size"),
                  quantization: try CField.string(c.quantization, "\(Self.protoName).quantization"),
                  contextLength: c.context_length,
                  loaded: CField.bool(c.loaded),
                  emulated: CField.bool(c.emulated),
                  isDefault: CField.bool(c.is_default))
    }
}

extension ListModelsResponse: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.ListModelsResponse"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__ListModelsResponse> {
        .init(packedSize: axrpc__v1__list_models_response__get_packed_size,
              pack: axrpc__v1__list_models_response__pack,
              unpack: axrpc__v1__list_models_response__unpack,
              freeUnpacked: axrpc__v1__list_models_response__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__ListModelsResponse {
        var c = Axrpc__V1__ListModelsResponse()
        axrpc__v1__list_models_response__init(&c)
        (c.n_models, c.models) = arena.objects(models.map { $0.cMessage(in: arena) })
        return c
    }

    init(cMessage c: Axrpc__V1__ListModelsResponse) throws {
        self.init(models: try CField.messages(c.n_models, c.models, as: ModelInfo.self))
    }
}
