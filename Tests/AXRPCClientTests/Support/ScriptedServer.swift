import NGHTTP2Session
import NIOCore
import RPCProtocol
import XCTest

@testable import AXRPCClient

/// An `HTTP2ClientConnection` on a real event loop whose output is captured and whose input is
/// scripted frames: the client's nghttp2 glue under test without a socket or a server.
final class ScriptedServer: SessionTransport {
    /// What one call saw: its messages and its end (nil until finished; .some(nil) = OK).
    struct CallRecord: Sendable {
        var messages: [[UInt8]] = []
        var outcome: RPCError??
    }

    let connection: HTTP2ClientConnection
    var written: [UInt8] = []
    var closed = false
    var calls: [Int: CallRecord] = [:]
    var unusableReports = 0

    let isWritable = true
    let allocator = ByteBufferAllocator()

    private init(eventLoop: any EventLoop) {
        connection = HTTP2ClientConnection(eventLoop: eventLoop, authority: "test:1", maxMessageSize: 1024)
    }

    /// A started connection (preface and SETTINGS written) and its loop.
    static func make() throws -> (NIOLoopBound<ScriptedServer>, any EventLoop) {
        let loop = AXRPCClient.defaultEventLoopGroup.next()
        let bound = try loop.submit {
            let server = ScriptedServer(eventLoop: loop)
            server.connection.output = server
            let bound = NIOLoopBound(server, eventLoop: loop)
            server.connection.onUnusable = { bound.value.unusableReports += 1 }
            precondition(server.connection.start())
            return bound
        }.wait()
        return (bound, loop)
    }

    /// Starts a call recorded under `key`; `rejectMessages` makes its handler fail like a
    /// message that does not decode.
    func startCall(_ key: Int, bound: NIOLoopBound<ScriptedServer>, body: [UInt8] = H2Frames.message([1, 2, 3]),
                   deadline: CallDeadline? = nil, rejectMessages: Bool = false) -> Int32? {
        calls[key] = CallRecord()
        let handler = ResponseHandler(
            message: { bytes in
                if rejectMessages { throw RPCError(.internalError, "could not parse test.Message") }
                bound.value.calls[key]?.messages.append(Array(bytes.readableBytesView))
            },
            finish: { error in bound.value.calls[key]?.outcome = .some(error) })
        var buffer = allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        return connection.startCall(path: "/test.Service/Method", body: buffer, deadline: deadline, handler: handler)
    }

    /// Bytes from the "server", as a channel read followed by read-complete would deliver them.
    func feed(_ bytes: [UInt8]...) {
        var buffer = allocator.buffer(capacity: 256)
        for chunk in bytes { buffer.writeBytes(chunk) }
        connection.receive(buffer)
        connection.flush()
    }

    var frames: [H2Frames.Frame] { H2Frames.parse(written) }

    func resets(of stream: Int32) -> [UInt32] {
        frames.filter { $0.type == H2Frames.rstStream && $0.stream == UInt32(stream) }.map { frame in
            frame.payload.reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    // MARK: SessionTransport

    func write(_ bytes: ByteBuffer) { written += bytes.readableBytesView }
    func close() { closed = true }
}

extension NIOLoopBound where Value == ScriptedServer {
    /// Runs `body` on the connection's loop and waits for it.
    func run<T: Sendable>(_ body: @escaping @Sendable (ScriptedServer) throws -> T) throws -> T {
        let bound = self
        return try eventLoop.submit { try body(bound.value) }.wait()
    }
}
