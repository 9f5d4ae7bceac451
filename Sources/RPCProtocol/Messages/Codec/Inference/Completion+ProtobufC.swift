import CAXRPCProto
import NIOCore

extension Usage: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.Usage"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__Usage> {
        .init(packedSize: axrpc__v1__usage__get_packed_size, pack: axrpc__v1__usage__pack,
              unpack: axrpc__v1__usage__unpack, freeUnpacked: axrpc__v1__usage__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__Usage {
        var c = Axrpc__V1__Usage()
        axrpc__v1__usage__init(&c)
        c.prompt_tokens = promptTokens
        c.completion_tokens = completionTokens
        c.estimated = CField.cBool(estimated)
        return c
    }

    init(cMessage c: Axrpc__V1__Usage) throws {
        self.init(promptTokens: c.prompt_tokens, completionTokens: c.completion_tokens,
                  estimated: CField.bool(c.estimated))
    }
}

extension Timings: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.Timings"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__Timings> {
        .init(packedSize: axrpc__v1__timings__get_packed_size, pack: axrpc__v1__timings__pack,
              unpack: axrpc__v1__timings__unpack, freeUnpacked: axrpc__v1__timings__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__Timings {
        var c = Axrpc__V1__Timings()
        axrpc__v1__timings__init(&c)
        c.queue_ms = queueMs
        c.time_to_first_token_ms = timeToFirstTokenMs
        c.generation_ms = generationMs
        c.total_ms = totalMs
        c.tokens_per_second = tokensPerSecond
        return c
    }

    init(cMessage c: Axrpc__V1__Timings) throws {
        self.init(queueMs: c.queue_ms, timeToFirstTokenMs: c.time_to_first_token_ms, generationMs: c.generation_ms,
                  totalMs: c.total_ms, tokensPerSecond: c.tokens_per_second)
    }
}

extension Completion: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.Completion"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__Completion> {
        .init(packedSize: axrpc__v1__completion__get_packed_size, pack: axrpc__v1__completion__pack,
              unpack: axrpc__v1__completion__unpack, freeUnpacked: axrpc__v1__completion__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__Completion {
        var c = Axrpc__V1__Completion()
        axrpc__v1__completion__init(&c)
        c.finish_reason = Axrpc__V1__FinishReason(rawValue: UInt32(bitPattern: finishReason.rawValue))
        c.usage = usage.map { arena.object($0.cMessage(in: arena)) }
        c.timings = timings.map { arena.object($0.cMessage(in: arena)) }
        c.context_reused = CField.cBool(contextReused)
        c.model = arena.string(model)
        return c
    }

    init(cMessage c: Axrpc__V1__Completion) throws {
        self.init(finishReason: FinishReason(rawValue: Int32(bitPattern: c.finish_reason.rawValue)),
                  usage: try CField.message(c.usage, as: Usage.self),
                  timings: try CField.message(c.timings, as: Timings.self),
                  contextReused: CField.bool(c.context_reused),
                  model: try CField.string(c.model, "\(Self.protoName).model"))
    }
}
