import NIOCore

/// Where a connection's outgoing bytes go: the NIO channel in production, a buffer in tests.
protocol ConnectionOutput: AnyObject {
    var isWritable: Bool { get }
    var allocator: ByteBufferAllocator { get }
    func write(_ bytes: ByteBuffer)
    func close()
}
