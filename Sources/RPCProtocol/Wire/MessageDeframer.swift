import NIOCore

/// Incremental reader of length-prefixed gRPC messages across arbitrary DATA frame boundaries.
public struct MessageDeframer {
    public static let defaultMaxMessageSize = 4 * 1024 * 1024

    private static let headerSize = 5

    private let maxMessageSize: Int
    private let compressionNegotiated: Bool
    /// nil when nothing is buffered, so that a fully consumed buffer whose slices are still held
    /// by callers is never written to again (which would copy it).
    private var buffer: ByteBuffer?

    /// Whether the message last returned by `next()` had the compressed flag set (only possible
    /// when compression was negotiated); the body is then still compressed.
    public private(set) var lastMessageCompressed = false

    public init(maxMessageSize: Int = MessageDeframer.defaultMaxMessageSize, compressionNegotiated: Bool = false) {
        self.maxMessageSize = maxMessageSize
        self.compressionNegotiated = compressionNegotiated
    }

    /// Copies `bytes`: nghttp2 only lends them for the duration of its callback.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if buffer == nil {
            buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        }
        buffer?.writeBytes(bytes)
    }

    public mutating func append(_ incoming: ByteBuffer) {
        guard incoming.readableBytes > 0 else { return }
        if buffer == nil {
            buffer = incoming
        } else {
            var incoming = incoming
            buffer?.writeBuffer(&incoming)
        }
    }

    /// The next whole message body, nil when more bytes are needed.
    /// Throws `.resourceExhausted` as soon as a header announces more than the maximum size, and
    /// `.internalError` for a compressed flag without negotiated compression or an unknown flag.
    public mutating func next() throws -> ByteBuffer? {
        guard var current = buffer, current.readableBytes >= Self.headerSize,
              let flag = current.getInteger(at: current.readerIndex, as: UInt8.self),
              let length = current.getInteger(at: current.readerIndex + 1, as: UInt32.self)
        else { return nil }
        switch flag {
        case 0:
            break
        case 1 where compressionNegotiated:
            break
        case 1:
            throw RPCError(.internalError, "compressed message received but no grpc-encoding was negotiated")
        default:
            throw RPCError(.internalError, "invalid compressed flag \(flag) in message prefix")
        }
        guard Int(length) <= maxMessageSize else {
            throw RPCError(.resourceExhausted, "received message larger than max (\(length) vs. \(maxMessageSize))")
        }
        guard current.readableBytes >= Self.headerSize + Int(length) else { return nil }
        // Release our reference before slicing so the caller's slice owns the storage alone
        // whenever the buffer is consumed completely.
        buffer = nil
        current.moveReaderIndex(forwardBy: Self.headerSize)
        guard let body = current.readSlice(length: Int(length)) else {
            buffer = current
            return nil
        }
        if current.readableBytes > 0 {
            if current.readerIndex > 64 * 1024 { current.discardReadBytes() }
            buffer = current
        }
        lastMessageCompressed = flag == 1
        return body
    }

    /// Bytes are buffered that do not yet form a message; at end of stream that is a truncated message.
    public var hasPartialMessage: Bool {
        (buffer?.readableBytes ?? 0) > 0
    }
}
