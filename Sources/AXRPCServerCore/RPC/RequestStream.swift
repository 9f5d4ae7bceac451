import NIOCore
import RPCProtocol

/// The typed request messages of a client- or bidirectional-streaming call. Taking a message
/// tells the transport it may let the client send that much more (`InboundMessages.consumed`).
package struct RequestStream<Message: WireMessage>: AsyncSequence, Sendable {
    package typealias Element = Message
    package let inbound: InboundMessages

    package struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
        let consumed: @Sendable (Int) -> Void

        package mutating func next() async throws -> Message? {
            guard let bytes = try await base.next() else { return nil }
            consumed(MessageFramer.prefixSize + bytes.readableBytes)
            return try Message(wireBytes: bytes)
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: inbound.messages.makeAsyncIterator(), consumed: inbound.consumed)
    }
}
