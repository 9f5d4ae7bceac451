import NIOCore

/// Writes one length-prefixed gRPC message.
public enum MessageFramer {
    static let headerSize = 5
    /// The compressed flag and the length in front of every message: part of its wire size.
    public static var prefixSize: Int { headerSize }

    /// The 5-byte prefix and the body in a buffer of exactly the right size, allocated once.
    public static func frame<M: WireMessage>(_ message: M, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        if let bridged = message as? any ProtobufCBridged {
            // One conversion to C serves both the size and the packing.
            return frameBridged(bridged, allocator: allocator)
        }
        let size = message.serializedSize
        var buffer = allocator.buffer(capacity: headerSize + size)
        writeHeader(length: size, into: &buffer)
        message.serialize(into: &buffer)
        return buffer
    }

    public static func frame(body: ByteBuffer, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: headerSize + body.readableBytes)
        writeHeader(length: body.readableBytes, into: &buffer)
        buffer.writeImmutableBuffer(body)
        return buffer
    }

    private static func frameBridged<M: ProtobufCBridged>(_ message: M, allocator: ByteBufferAllocator) -> ByteBuffer {
        ProtobufCCoding.withPackable(message) { packable in
            var buffer = allocator.buffer(capacity: headerSize + packable.size)
            writeHeader(length: packable.size, into: &buffer)
            packable.pack(into: &buffer)
            return buffer
        }
    }

    private static func writeHeader(length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(truncatingIfNeeded: length))
    }
}
