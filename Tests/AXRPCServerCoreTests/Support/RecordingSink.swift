import NIOConcurrencyHelpers
import NIOCore
import RPCProtocol

@testable import AXRPCServerCore

/// A `ResponseSink` in memory: what a handler wrote, and how it ended, for service tests
/// without a transport.
final class RecordingSink: ResponseSink {
    private let written = NIOLockedValueBox<[ByteBuffer]>([])
    private let ending = NIOLockedValueBox<(message: ByteBuffer?, error: RPCError?)?>(nil)

    func write(_ framed: ByteBuffer) async throws {
        written.withLockedValue { $0.append(framed) }
    }

    func finish(finalMessage: ByteBuffer?, error: RPCError?) {
        ending.withLockedValue { $0 = (finalMessage, error) }
    }

    /// The written messages, unframed and parsed.
    func messages<M: WireMessage>(as type: M.Type) throws -> [M] {
        try written.withLockedValue { $0 }.map { framed in
            var body = framed
            body.moveReaderIndex(forwardBy: 5)
            return try M(wireBytes: body)
        }
    }
}
