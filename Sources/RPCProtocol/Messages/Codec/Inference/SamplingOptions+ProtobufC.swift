import CAXRPCProto
import NIOCore

// Presence travels in the single-field oneofs' case fields, so a value set to 0 stays set.
extension SamplingOptions: WireMessage, ProtobufCBridged {
    public static let protoName = "axrpc.v1.SamplingOptions"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Axrpc__V1__SamplingOptions> {
        .init(packedSize: axrpc__v1__sampling_options__get_packed_size, pack: axrpc__v1__sampling_options__pack,
              unpack: axrpc__v1__sampling_options__unpack, freeUnpacked: axrpc__v1__sampling_options__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Axrpc__V1__SamplingOptions {
        var c = Axrpc__V1__SamplingOptions()
        axrpc__v1__sampling_options__init(&c)
        if let temperature {
            c._temperature_case = AXRPC__V1__SAMPLING_OPTIONS___TEMPERATURE_TEMPERATURE
            c.temperature = temperature
        }
        if let topP {
            c._top_p_case = AXRPC__V1__SAMPLING_OPTIONS___TOP_P_TOP_P
            c.top_p = topP
        }
        if let topK {
            c._top_k_case = AXRPC__V1__SAMPLING_OPTIONS___TOP_K_TOP_K
            c.top_k = topK
        }
        if let repetitionPenalty {
            c._repetition_penalty_case = AXRPC__V1__SAMPLING_OPTIONS___REPETITION_PENALTY_REPETITION_PENALTY
            c.repetition_penalty = repetitionPenalty
        }
        if let maxTokens {
            c._max_tokens_case = AXRPC__V1__SAMPLING_OPTIONS___MAX_TOKENS_MAX_TOKENS
            c.max_tokens = maxTokens
        }
        (c.n_stop, c.stop) = arena.strings(stop)
        return c
    }

    init(cMessage c: Axrpc__V1__SamplingOptions) throws {
        self.init(
            temperature: c._temperature_case == AXRPC__V1__SAMPLING_OPTIONS___TEMPERATURE_TEMPERATURE ? c.temperature : nil,
            topP: c._top_p_case == AXRPC__V1__SAMPLING_OPTIONS___TOP_P_TOP_P ? c.top_p : nil,
            topK: c._top_k_case == AXRPC__V1__SAMPLING_OPTIONS___TOP_K_TOP_K ? c.top_k : nil,
            repetitionPenalty: c._repetition_penalty_case == AXRPC__V1__SAMPLING_OPTIONS___REPETITION_PENALTY_REPETITION_PENALTY
                ? c.repetition_penalty : nil,
            maxTokens: c._max_tokens_case == AXRPC__V1__SAMPLING_OPTIONS___MAX_TOKENS_MAX_TOKENS ? c.max_tokens : nil,
            stop: try CField.strings(c.n_stop, c.stop, "\(Self.protoName).stop"))
    }
}
