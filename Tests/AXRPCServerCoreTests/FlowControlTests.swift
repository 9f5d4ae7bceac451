import CNGHTTP2
import Logging
import NIOCore
import NIOEmbedded
import RPCProtocol
import XCTest

@testable import AXRPCServerCore

/// A bidirectional call whose handler stops taking messages (as reflection's does once its own
/// client stops reading the answers and the writer waits) must stop the client, not buffer what
/// it sends: the server gives flow-control window back only for messages a handler took.
final class FlowControlTests: XCTestCase {
    private let streamWindow = 1 << 20

    private func makeClient(route: RPCRoute) throws -> (InMemoryHTTP2Client, EmbeddedChannel) {
        let handler = GRPCChannelHandler(configuration: TransportConfiguration(), router: Router([route]),
                                         logger: Logger(label: "test"))
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return (InMemoryHTTP2Client(channel: channel), channel)
    }

    /// 4 MiB of 1 KiB messages.
    private func upload() -> [UInt8] {
        let message: [UInt8] = [0, 0, 0, 0x03, 0xFB] + [UInt8](repeating: 0x41, count: 0x3FB)
        return Array([[UInt8]](repeating: message, count: 4096).joined())
    }

    func testAStreamWhoseHandlerDoesNotReadStaysWithinItsWindow() throws {
        let route = RPCRoute.bidirectionalStreaming("/test.Echo/Stream") {
            (_: RequestStream<HealthRequest>, _: ResponseWriter<HealthResponse>, _) in
            // Never takes a message; ends when the call is cancelled.
            try await Task.sleep(for: .seconds(3600))
        }
        let (client, channel) = try makeClient(route: route)
        let body = upload()
        let id = client.request(path: "/test.Echo/Stream", body: body)
        try client.exchange()

        let left = client.uploads[id]?.count ?? 0
        let sent = body.count - left
        XCTAssertLessThanOrEqual(sent, streamWindow, "the server let the client send past the stream's window")
        XCTAssertGreaterThan(left, 2 * streamWindow, "the upload should be held back at the client")
        XCTAssertEqual(nghttp2_session_get_stream_remote_window_size(client.session, id), 0,
                       "the client may send no more")
        XCTAssertNil(client.streams[id]?.resetCode)
        try channel.close().wait()
    }

    func testUnaryBytesAreGivenBackAtOnce() throws {
        let route = RPCRoute.unary("/test.Echo/Health") { (_: HealthRequest, _) -> HealthResponse in
            HealthResponse(version: "test")
        }
        let (client, channel) = try makeClient(route: route)
        // 20 calls of 1 MiB each: more than the connection's 16 MiB window, so the uploads only
        // all arrive if each call's bytes came back to the window when they were received.
        let message: [UInt8] = [0, 0, 0x10, 0, 0] + [UInt8](repeating: 0x41, count: 1 << 20)
        for call in 0 ..< 20 {
            let id = client.request(path: "/test.Echo/Health", body: message)
            try client.exchange()
            XCTAssertEqual(client.uploads[id]?.count ?? 0, 0, "call \(call) could not send its request")
        }
        try channel.close().wait()
    }
}
