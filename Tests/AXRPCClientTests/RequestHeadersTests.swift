import NIOCore
import RPCProtocol
import XCTest

@testable import AXRPCClient

final class RequestHeadersTests: XCTestCase {
    private func names(_ headers: RequestHeaders) -> [String] { headers.fields.map(\.name) }

    private func value(_ name: String, _ headers: RequestHeaders) -> String? {
        headers.fields.first { $0.name == name }?.value
    }

    func testPseudoHeadersComeFirstAndDescribeAGRPCPost() {
        let headers = RequestHeaders(path: "/axrpc.v1.Inference/Generate", authority: "127.0.0.1:50051")
        XCTAssertEqual(Array(names(headers).prefix(4)), [":method", ":scheme", ":path", ":authority"])
        XCTAssertEqual(value(":method", headers), "POST")
        XCTAssertEqual(value(":scheme", headers), "http")
        XCTAssertEqual(value(":path", headers), "/axrpc.v1.Inference/Generate")
        XCTAssertEqual(value(":authority", headers), "127.0.0.1:50051")
        XCTAssertEqual(value("content-type", headers), "application/grpc")
        XCTAssertEqual(value("te", headers), "trailers")
        XCTAssertEqual(value("user-agent", headers), RequestHeaders.userAgent)
    }

    func testNoTimeoutMeansNoGRPCTimeoutHeader() {
        let headers = RequestHeaders(path: "/a/b", authority: "h:1")
        XCTAssertNil(value("grpc-timeout", headers))
    }

    func testTimeoutIsSentInItsShortestExactForm() {
        let headers = RequestHeaders(path: "/a/b", authority: "h:1", timeout: GRPCTimeout(nanoseconds: 1_500_000_000))
        XCTAssertEqual(value("grpc-timeout", headers), "1500m")
        let whole = RequestHeaders(path: "/a/b", authority: "h:1", timeout: GRPCTimeout(nanoseconds: 30_000_000_000))
        XCTAssertEqual(value("grpc-timeout", whole), "30S")
    }

    func testCustomMetadataFollowsButReservedNamesAreDropped() {
        var metadata = Metadata()
        metadata.add("x-request-id", "42")
        metadata.add("grpc-timeout", "1S")
        metadata.add("te", "gzip")
        metadata.add("trace", binary: [0xFF, 0x00])
        let headers = RequestHeaders(path: "/a/b", authority: "h:1", metadata: metadata)
        XCTAssertEqual(value("x-request-id", headers), "42")
        XCTAssertEqual(value("trace-bin", headers), "/wA=")
        XCTAssertEqual(headers.fields.filter { $0.name == "te" }.map(\.value), ["trailers"])
        XCTAssertNil(value("grpc-timeout", headers))
    }

    func testAuthorityBracketsIPv6Literals() {
        XCTAssertEqual(authority(host: "::1", port: 50051), "[::1]:50051")
        XCTAssertEqual(authority(host: "[::1]", port: 50051), "[::1]:50051")
        XCTAssertEqual(authority(host: "example.com", port: 443), "example.com:443")
    }
}

final class CallDeadlineTests: XCTestCase {
    func testNanosecondsRoundUpAndClamp() {
        XCTAssertEqual(CallDeadline.nanoseconds(.seconds(2)), 2_000_000_000)
        XCTAssertEqual(CallDeadline.nanoseconds(.milliseconds(1500)), 1_500_000_000)
        // A fraction of a nanosecond still counts: the server must not get a shorter deadline.
        XCTAssertEqual(CallDeadline.nanoseconds(.nanoseconds(1) + .init(secondsComponent: 0, attosecondsComponent: 1)), 2)
        XCTAssertEqual(CallDeadline.nanoseconds(.zero), 0)
        XCTAssertEqual(CallDeadline.nanoseconds(.seconds(-3)), 0)
        XCTAssertEqual(CallDeadline.nanoseconds(.seconds(Int64.max)), Int64.max)
    }

    func testGRPCTimeoutIsWhatRemains() {
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let deadline = CallDeadline(timeout: .seconds(5), now: start)
        XCTAssertEqual(deadline.grpcTimeout(now: start).nanoseconds, 5_000_000_000)
        XCTAssertEqual(deadline.grpcTimeout(now: start + .seconds(2)).headerValue, "3S")
        XCTAssertFalse(deadline.hasPassed(now: start + .seconds(4)))
        XCTAssertTrue(deadline.hasPassed(now: start + .seconds(5)))
        // Past the deadline the server gets 0 and fails the call at once.
        XCTAssertEqual(deadline.grpcTimeout(now: start + .seconds(9)).nanoseconds, 0)
    }

    func testExceededErrorIsDeadlineExceeded() {
        let error = CallDeadline(timeout: .milliseconds(250)).exceededError
        XCTAssertEqual(error.code, .deadlineExceeded)
        XCTAssertTrue(error.message.contains("0.25"), error.message)
    }
}
