import CAXRPCProto
import NIOCore

/// Packing and unpacking of bridged messages through their protobuf-c functions.
enum ProtobufCCoding {
    /// A C struct ready to pack, valid only inside `withPackable`.
    struct Packable<C> {
        fileprivate let pointer: UnsafePointer<C>
        fileprivate let functions: ProtobufCFunctions<C>
        let size: Int

        func pack(into buffer: inout ByteBuffer) {
            guard size > 0 else { return }
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
                guard let base = raw.baseAddress else { return 0 }
                return functions.pack(pointer, base.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// Builds the C struct once, for callers that need both its size and its bytes.
    static func withPackable<M: ProtobufCBridged, R>(_ message: M, _ body: (Packable<M.CMessage>) -> R) -> R {
        let arena = CArena()
        let functions = M.cFunctions
        let cMessage = message.cMessage(in: arena)
        return withExtendedLifetime(arena) {
            withUnsafePointer(to: cMessage) { pointer in
                body(Packable(pointer: pointer, functions: functions, size: functions.packedSize(pointer)))
            }
        }
    }

    static func serializedSize<M: ProtobufCBridged>(_ message: M) -> Int {
        withPackable(message) { $0.size }
    }

    static func serialize<M: ProtobufCBridged>(_ message: M, into buffer: inout ByteBuffer) {
        withPackable(message) { $0.pack(into: &buffer) }
    }

    static func decode<M: ProtobufCBridged>(_ type: M.Type, from bytes: ByteBuffer) throws -> M {
        let functions = M.cFunctions
        let unpacked = bytes.withUnsafeReadableBytes { raw -> UnsafeMutablePointer<M.CMessage>? in
            guard let base = raw.baseAddress else {
                // protobuf-c reads nothing for length 0, but it is not documented to accept NULL.
                var empty: UInt8 = 0
                return functions.unpack(nil, 0, &empty)
            }
            return functions.unpack(nil, raw.count, base.assumingMemoryBound(to: UInt8.self))
        }
        guard let unpacked else {
            throw RPCError(.internalError, "could not parse \(M.protoName): malformed protobuf (\(bytes.readableBytes) bytes)")
        }
        defer { functions.freeUnpacked(unpacked, nil) }
        return try M(cMessage: unpacked.pointee)
    }
}
