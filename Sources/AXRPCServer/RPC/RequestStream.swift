import NIOCore
import RPCProtocol

/// The typed request messages of a client- or bidirectional-streaming call.
struct RequestStream<Message: WireMessage>: AsyncSequence, Sendable {
    typealias Element = Message
    let raw: AsyncThrowingStream<ByteBuffer, any Error>

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
        mutating func next() async throws -> Message? {
            guard let bytes = try await base.next() else { return nil }
            return try Message(wireBytes: bytes)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: raw.makeAsyncIterator())
    }
}
