import CAXRPCProto
import NIOCore

extension HealthCheckRequest: WireMessage, ProtobufCBridged {
    public static let protoName = "grpc.health.v1.HealthCheckRequest"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Grpc__Health__V1__HealthCheckRequest> {
        .init(packedSize: grpc__health__v1__health_check_request__get_packed_size,
              pack: grpc__health__v1__health_check_request__pack,
              unpack: grpc__health__v1__health_check_request__unpack,
              freeUnpacked: grpc__health__v1__health_check_request__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Grpc__Health__V1__HealthCheckRequest {
        var c = Grpc__Health__V1__HealthCheckRequest()
        grpc__health__v1__health_check_request__init(&c)
        c.service = arena.string(service)
        return c
    }

    init(cMessage c: Grpc__Health__V1__HealthCheckRequest) throws {
        self.init(service: try CField.string(c.service, "\(Self.protoName).service"))
    }
}

extension HealthCheckResponse: WireMessage, ProtobufCBridged {
    public static let protoName = "grpc.health.v1.HealthCheckResponse"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Grpc__Health__V1__HealthCheckResponse> {
        .init(packedSize: grpc__health__v1__health_check_response__get_packed_size,
              pack: grpc__health__v1__health_check_response__pack,
              unpack: grpc__health__v1__health_check_response__unpack,
              freeUnpacked: grpc__health__v1__health_check_response__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Grpc__Health__V1__HealthCheckResponse {
        var c = Grpc__Health__V1__HealthCheckResponse()
        grpc__health__v1__health_check_response__init(&c)
        c.status = Grpc__Health__V1__HealthCheckResponse__ServingStatus(rawValue: UInt32(bitPattern: status.rawValue))
        return c
    }

    init(cMessage c: Grpc__Health__V1__HealthCheckResponse) throws {
        self.init(status: ServingStatus(rawValue: Int32(bitPattern: c.status.rawValue)))
    }
}
