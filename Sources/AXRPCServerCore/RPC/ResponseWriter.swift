import NIOCore
import RPCProtocol

/// Sends the typed response messages of a streaming call. `write` suspends while the client's
/// flow-control window and the stream's send buffer are full, so a slow reader slows the writer
/// instead of growing a buffer; it throws `CancellationError` once the call has ended.
package struct ResponseWriter<Message: WireMessage>: Sendable {
    package let sink: any ResponseSink

    package func write(_ message: Message) async throws {
        // Serialized on the caller's thread, so the event loop only copies bytes.
        try await sink.write(MessageFramer.frame(message))
    }
}
