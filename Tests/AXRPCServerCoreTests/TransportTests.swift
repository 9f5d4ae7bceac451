import CNGHTTP2
import Logging
import NIOCore
import NIOEmbedded
import RPCProtocol
import XCTest

@testable import AXRPCServerCore

/// The HTTP/2 transport driven with bytes and no sockets: an nghttp2 client session on one side,
/// the server's channel handler in an EmbeddedChannel on the other.
final class TransportTests: XCTestCase {
    private func makeClient(maxHeaderListSize: Int = 16 * 1024) throws -> InMemoryHTTP2Client {
        var configuration = TransportConfiguration()
        configuration.maxHeaderListSize = maxHeaderListSize
        let route = RPCRoute.unary("/test.Echo/Health") { (_: HealthRequest, _) -> HealthResponse in
            HealthResponse(version: "test")
        }
        let handler = GRPCChannelHandler(configuration: configuration, router: Router([route]),
                                         logger: Logger(label: "test"))
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return InMemoryHTTP2Client(channel: channel)
    }

    func testWrongContentTypeGets415() throws {
        let client = try makeClient()
        let id = client.request(path: "/test.Echo/Health", contentType: "text/plain", body: [])
        try client.exchange()
        XCTAssertEqual(client.streams[id]?.value(":status"), "415")
    }

    func testNonPostGets405() throws {
        let client = try makeClient()
        let id = client.request(path: "/test.Echo/Health", method: "GET")
        try client.exchange()
        XCTAssertEqual(client.streams[id]?.value(":status"), "405")
    }

    func testUnknownMethodIsTrailersOnlyUnimplemented() throws {
        let client = try makeClient()
        let id = client.request(path: "/test.Echo/Nope", body: [0, 0, 0, 0, 0])
        try client.exchange()
        let record = try XCTUnwrap(client.streams[id])
        XCTAssertEqual(record.value(":status"), "200")
        XCTAssertEqual(record.value("grpc-status"), "\(StatusCode.unimplemented.rawValue)")
        XCTAssertEqual(record.value("grpc-message"), "unknown method /test.Echo/Nope")
        XCTAssertTrue(record.body.isEmpty)
    }

    func testUnknownServiceNamesTheService() throws {
        let client = try makeClient()
        let id = client.request(path: "/no.Such/Thing", body: [0, 0, 0, 0, 0])
        try client.exchange()
        XCTAssertEqual(client.streams[id]?.value("grpc-message"), "unknown service no.Such")
    }

    func testOversizedHeaderListResetsOnlyThatStream() throws {
        let client = try makeClient(maxHeaderListSize: 1024)
        let big = client.request(path: "/test.Echo/Health",
                                 extraHeaders: [("x-big", String(repeating: "a", count: 2000))], body: [])
        try client.exchange()
        XCTAssertNotNil(client.streams[big]?.resetCode, "the oversized request must be reset")
        let next = client.request(path: "/test.Echo/Nope", body: [])
        try client.exchange()
        XCTAssertEqual(client.streams[next]?.value("grpc-status"), "\(StatusCode.unimplemented.rawValue)",
                       "the connection keeps serving")
    }

    func testCompressedFlagWithoutEncodingIsInternal() throws {
        let client = try makeClient()
        let id = client.request(path: "/test.Echo/Health", body: [1, 0, 0, 0, 0])
        try client.exchange()
        XCTAssertEqual(client.streams[id]?.value("grpc-status"), "\(StatusCode.internalError.rawValue)")
    }

    func testOversizeMessageIsResourceExhaustedBeforeTheBodyArrives() throws {
        let client = try makeClient()
        // Only the 5-byte prefix announcing 5 MiB: the server must not wait for the rest.
        let id = client.request(path: "/test.Echo/Health", body: [0, 0, 0x50, 0, 0])
        try client.exchange()
        XCTAssertEqual(client.streams[id]?.value("grpc-status"), "\(StatusCode.resourceExhausted.rawValue)")
    }

    func testTruncatedMessageIsInternal() throws {
        let client = try makeClient()
        let id = client.request(path: "/test.Echo/Health", body: [0, 0, 0, 0, 9, 1, 2])
        try client.exchange()
        XCTAssertEqual(client.streams[id]?.value("grpc-status"), "\(StatusCode.internalError.rawValue)")
    }

    func testAUnaryCallWithoutAMessageIsUnimplemented() throws {
        let client = try makeClient()
        let id = client.request(path: "/test.Echo/Health", body: [])
        try client.exchange()
        XCTAssertEqual(client.streams[id]?.value("grpc-status"), "\(StatusCode.unimplemented.rawValue)")
        XCTAssertEqual(client.streams[id]?.value("grpc-message"),
                       "/test.Echo/Health takes exactly one request message, got none")
    }

    func testAUnaryCallWithTwoMessagesIsUnimplementedBeforeItsHandlerRuns() throws {
        let client = try makeClient()
        let id = client.request(path: "/test.Echo/Health", body: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        try client.exchange()
        XCTAssertEqual(client.streams[id]?.value("grpc-status"), "\(StatusCode.unimplemented.rawValue)")
        XCTAssertEqual(client.streams[id]?.value("grpc-message"), "/test.Echo/Health takes exactly one request message")
        XCTAssertTrue(client.streams[id]?.body.isEmpty ?? false, "Trailers-Only: no handler answered")
    }

    func testGRPCContentTypeVariants() {
        XCTAssertTrue(HTTP2ServerConnection.isGRPCContentType("application/grpc"))
        XCTAssertTrue(HTTP2ServerConnection.isGRPCContentType("application/grpc+proto"))
        XCTAssertTrue(HTTP2ServerConnection.isGRPCContentType("application/grpc; charset=utf-8"))
        XCTAssertFalse(HTTP2ServerConnection.isGRPCContentType("application/grpcx"))
        XCTAssertFalse(HTTP2ServerConnection.isGRPCContentType("application/json"))
    }
}
