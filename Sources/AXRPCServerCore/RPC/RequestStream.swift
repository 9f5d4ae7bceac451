import NIOCore
import RPCProtocol

/// The typed request messages of a client- or bidirectional-streaming call.
package struct RequestStream<Message: WireMessage>: AsyncSequence, Sendable {
    package typealias Element = Message
    package let raw: AsyncThrowingStream<ByteBuffer, any Error>

    package struct AsyncIterator: AsyncIteratorProtocol {
        package var base: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
        package mutating func next() async throws -> Message? {
            guard let bytes = try await base.next() else { return nil }
            return try Message(wireBytes: bytes)
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: raw.makeAsyncIterator())
    }
}
