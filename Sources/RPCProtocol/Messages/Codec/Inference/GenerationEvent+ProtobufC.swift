import CAXRPCProto
import NIOCore

extension GenerationEvent: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.GenerationEvent"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__GenerationEvent> {
        .init(packedSize: axrpc__v1__generation_event__get_packed_size, pack: axrpc__v1__generation_event__pack,
              unpack: axrpc__v1__generation_event__unpack, freeUnpacked: axrpc__v1__generation_event__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__GenerationEvent {
        var c = Axrpc__V1__GenerationEvent()
        axrpc__v1__generation_event__init(&c)
        switch event {
        case nil:
            break
        case .queued(let status):
            c.event_case = AXRPC__V1__GENERATION_EVENT__EVENT_QUEUED
            c.queued = arena.object(status.cMessage(in: arena))
        case .delta(let text):
            c.event_case = AXRPC__V1__GENERATION_EVENT__EVENT_DELTA
            c.delta = arena.string(text)
        case .done(let completion):
            c.event_case = AXRPC__V1__GENERATION_EVENT__EVENT_DONE
            c.done = arena.object(completion.cMessage(in: arena))
        case .toolCall(let call):
            c.event_case = AXRPC__V1__GENERATION_EVENT__EVENT_TOOL_CALL
            c.tool_call = arena.object(call.cMessage(in: arena))
        }
        return c
    }

    init(cMessage c: Axrpc__V1__GenerationEvent) throws {
        switch c.event_case {
        case AXRPC__V1__GENERATION_EVENT__EVENT_QUEUED:
            self.init(event: try CField.message(c.queued, as: QueueStatus.self).map(Event.queued))
        case AXRPC__V1__GENERATION_EVENT__EVENT_DELTA:
            self.init(event: .delta(try CField.string(c.delta, "\(Self.protoName).delta")))
        case AXRPC__V1__GENERATION_EVENT__EVENT_DONE:
            self.init(event: try CField.message(c.done, as: Completion.self).map(Event.done))
        case AXRPC__V1__GENERATION_EVENT__EVENT_TOOL_CALL:
            self.init(event: try CField.message(c.tool_call, as: ToolCall.self).map(Event.toolCall))
        default:
            self.init(event: nil)
        }
    }
}

extension QueueStatus: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.QueueStatus"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__QueueStatus> {
        .init(packedSize: axrpc__v1__queue_status__get_packed_size, pack: axrpc__v1__queue_status__pack,
              unpack: axrpc__v1__queue_status__unpack, freeUnpacked: axrpc__v1__queue_status__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__QueueStatus {
        var c = Axrpc__V1__QueueStatus()
        axrpc__v1__queue_status__init(&c)
        c.position = position
        c.queue_depth = queueDepth
        return c
    }

    init(cMessage c: Axrpc__V1__QueueStatus) throws {
        self.init(position: c.position, queueDepth: c.queue_depth)
    }
}
