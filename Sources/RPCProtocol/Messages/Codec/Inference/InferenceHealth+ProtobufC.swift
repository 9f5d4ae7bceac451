import CAXRPCProto
import NIOCore

extension HealthRequest: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.HealthRequest"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__HealthRequest> {
        .init(packedSize: axrpc__v1__health_request__get_packed_size, pack: axrpc__v1__health_request__pack,
              unpack: axrpc__v1__health_request__unpack, freeUnpacked: axrpc__v1__health_request__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__HealthRequest {
        var c = Axrpc__V1__HealthRequest()
        axrpc__v1__health_request__init(&c)
        return c
    }

    init(cMessage c: Axrpc__V1__HealthRequest) throws {
        self.init()
    }
}

extension HealthResponse: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.HealthResponse"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__HealthResponse> {
        .init(packedSize: axrpc__v1__health_response__get_packed_size, pack: axrpc__v1__health_response__pack,
              unpack: axrpc__v1__health_response__unpack, freeUnpacked: axrpc__v1__health_response__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__HealthResponse {
        var c = Axrpc__V1__HealthResponse()
        axrpc__v1__health_response__init(&c)
        c.status = Axrpc__V1__ServingStatus(rawValue: UInt32(bitPattern: status.rawValue))
        c.runtime_state = Axrpc__V1__RuntimeState(rawValue: UInt32(bitPattern: runtimeState.rawValue))
        c.model = arena.string(model)
        c.queue_depth = queueDepth
        c.queue_capacity = queueCapacity
        c.uptime_seconds = uptimeSeconds
        c.runtime_restarts = runtimeRestarts
        c.last_error = arena.string(lastError)
        c.version = arena.string(version)
        c.emulated = CField.cBool(emulated)
        return c
    }

    init(cMessage c: Axrpc__V1__HealthResponse) throws {
        self.init(status: ServingStatus(rawValue: Int32(bitPattern: c.status.rawValue)),
                  runtimeState: RuntimeState(rawValue: Int32(bitPattern: c.runtime_state.rawValue)),
                  model: try CField.string(c.model, "\(Self.protoName).model"),
                  queueDepth: c.queue_depth,
                  queueCapacity: c.queue_capacity,
                  uptimeSeconds: c.uptime_seconds,
                  runtimeRestarts: c.runtime_restarts,
                  lastError: try CField.string(c.last_error, "\(Self.protoName).last_error"),
                  version: try CField.string(c.version, "\(Self.protoName).version"),
                  emulated: CField.bool(c.emulated))
    }
}
