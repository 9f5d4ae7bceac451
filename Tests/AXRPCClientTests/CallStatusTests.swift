import RPCProtocol
import XCTest

@testable import AXRPCClient

final class CallStatusTests: XCTestCase {
    private let okHead = [(name: ":status", value: "200"), (name: "content-type", value: "application/grpc")]

    func testStatusZeroInTrailersIsOK() {
        XCTAssertNil(CallStatus.outcome(head: okHead, trailers: [("grpc-status", "0")]))
    }

    func testErrorStatusWithPercentEncodedMessage() {
        let error = CallStatus.outcome(head: okHead, trailers: [
            ("grpc-status", "14"), ("grpc-message", "no runtime: caf%C3%A9 100%25 down")])
        XCTAssertEqual(error?.code, .unavailable)
        XCTAssertEqual(error?.message, "no runtime: café 100% down")
    }

    func testTrailersOnlyCarriesTheStatusInTheHead() {
        let head = okHead + [(name: "grpc-status", value: "12"), (name: "grpc-message", value: "unknown method")]
        let error = CallStatus.outcome(head: head, trailers: nil)
        XCTAssertEqual(error, RPCError(.unimplemented, "unknown method"))
    }

    func testMissingStatusIsInternal() {
        XCTAssertEqual(CallStatus.outcome(head: okHead, trailers: [])?.code, .internalError)
        XCTAssertEqual(CallStatus.outcome(head: okHead, trailers: nil)?.code, .internalError)
    }

    func testUnknownOrMalformedStatusIsUnknown() {
        XCTAssertEqual(CallStatus.outcome(head: okHead, trailers: [("grpc-status", "17")])?.code, .unknown)
        let garbage = CallStatus.outcome(head: okHead, trailers: [("grpc-status", "x"), ("grpc-message", "why")])
        XCTAssertEqual(garbage, RPCError(.unknown, "why"))
    }

    func testOtherTrailersAreKeptAsMetadata() {
        let error = CallStatus.outcome(head: okHead, trailers: [
            ("grpc-status", "8"), ("grpc-message", "queue full"), ("grpc-retry-pushback-ms", "250")])
        XCTAssertEqual(error?.code, .resourceExhausted)
        XCTAssertEqual(error?.trailers["grpc-retry-pushback-ms"], "250")
        XCTAssertNil(error?.trailers["grpc-status"])
    }

    func testHTTPErrorsWithoutGRPCStatusUseTheSpecMapping() {
        let cases: [(String, StatusCode)] = [("400", .internalError), ("401", .unauthenticated),
                                             ("403", .permissionDenied), ("404", .unimplemented),
                                             ("429", .unavailable), ("502", .unavailable), ("503", .unavailable),
                                             ("504", .unavailable), ("500", .unknown), ("418", .unknown)]
        for (status, code) in cases {
            let error = CallStatus.outcome(head: [(":status", status), ("content-type", "text/html")], trailers: nil)
            XCTAssertEqual(error?.code, code, "HTTP \(status)")
        }
    }

    func testHTTPErrorWithGRPCStatusKeepsTheServersReason() {
        // What axrpc-server answers to a request with the wrong content-type.
        let head = [(name: ":status", value: "415"), (name: "content-type", value: "text/plain"),
                    (name: "grpc-status", value: "13"), (name: "grpc-message", value: "invalid%20content-type")]
        XCTAssertEqual(CallStatus.outcome(head: head, trailers: nil), RPCError(.internalError, "invalid content-type"))
    }

    func testNonGRPCContentTypeIsUnknown() {
        let error = CallStatus.outcome(head: [(":status", "200"), ("content-type", "text/html")],
                                       trailers: [("grpc-status", "0")])
        XCTAssertEqual(error?.code, .unknown)
        XCTAssertNil(CallStatus.outcome(head: [(":status", "200"), ("content-type", "application/grpc+proto")],
                                        trailers: [("grpc-status", "0")]))
    }

    func testResetCodes() {
        XCTAssertEqual(CallStatus.error(forResetCode: 7).code, .unavailable)
        XCTAssertEqual(CallStatus.error(forResetCode: 8).code, .cancelled)
        XCTAssertEqual(CallStatus.error(forResetCode: 11).code, .resourceExhausted)
        XCTAssertEqual(CallStatus.error(forResetCode: 12).code, .permissionDenied)
        XCTAssertEqual(CallStatus.error(forResetCode: 0).code, .internalError)
        XCTAssertEqual(CallStatus.error(forResetCode: 2).code, .internalError)
        XCTAssertTrue(CallStatus.error(forResetCode: 1).message.contains("PROTOCOL_ERROR"))
        XCTAssertEqual(CallStatus.resetCodeName(0x99), "0x99")
    }
}
