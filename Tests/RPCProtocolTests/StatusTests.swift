import XCTest
@testable import RPCProtocol

final class StatusTests: XCTestCase {
    func testCodesHaveTheSpecNumbersAndNames() {
        XCTAssertEqual(StatusCode.allCases.count, 17)
        XCTAssertEqual(StatusCode.ok.rawValue, 0)
        XCTAssertEqual(StatusCode.resourceExhausted.rawValue, 8)
        XCTAssertEqual(StatusCode.unimplemented.rawValue, 12)
        XCTAssertEqual(StatusCode.internalError.rawValue, 13)
        XCTAssertEqual(StatusCode.unauthenticated.rawValue, 16)
        XCTAssertEqual(StatusCode.internalError.name, "INTERNAL")
        XCTAssertEqual(StatusCode.deadlineExceeded.name, "DEADLINE_EXCEEDED")
        XCTAssertEqual(StatusCode.ok.name, "OK")
        XCTAssertEqual(Set(StatusCode.allCases.map(\.name)).count, 17)
    }

    func testErrorCarriesTrailers() {
        let error = RPCError(.resourceExhausted, "queue full", trailers: ["grpc-retry-pushback-ms": "\(250)"])
        XCTAssertEqual(error.trailers["grpc-retry-pushback-ms"], "250")
        XCTAssertEqual(error.description, "RESOURCE_EXHAUSTED: queue full")
        XCTAssertEqual(RPCError(.cancelled, "").description, "CANCELLED")
        XCTAssertNotEqual(error, RPCError(.resourceExhausted, "queue full"))
    }

    func testPercentEncodingOfExactExamples() {
        XCTAssertEqual(StatusMessageEncoding.encode("a%b\n"), "a%25b%0A")
        XCTAssertEqual(StatusMessageEncoding.encode("ü"), "%C3%BC")
        XCTAssertEqual(StatusMessageEncoding.encode("plain ASCII ~!{}"), "plain ASCII ~!{}")
        XCTAssertEqual(StatusMessageEncoding.encode("\u{0}\t\r\u{7F}"), "%00%09%0D%7F")
        XCTAssertEqual(StatusMessageEncoding.encode("🚀"), "%F0%9F%9A%80")
        XCTAssertEqual(StatusMessageEncoding.encode(""), "")
    }

    func testPercentEncodingRoundTrips() {
        for message in ["", "ok", "100%", "%%", "a%b\n", "ü", "日本語 text", "🚀 launch", "\u{0}\u{1}\u{1F}\t\r\n",
                        "mixed % ü \u{7F} end"] {
            let encoded = StatusMessageEncoding.encode(message)
            XCTAssertTrue(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, encoded)
            XCTAssertEqual(StatusMessageEncoding.decode(encoded), message)
        }
    }

    func testPercentDecodingIsLenient() {
        XCTAssertEqual(StatusMessageEncoding.decode("%c3%bc"), "ü")
        XCTAssertEqual(StatusMessageEncoding.decode("%zz"), "%zz")
        XCTAssertEqual(StatusMessageEncoding.decode("50%"), "50%")
        XCTAssertEqual(StatusMessageEncoding.decode("%4"), "%4")
        XCTAssertEqual(StatusMessageEncoding.decode("%FF"), "\u{FFFD}")
        XCTAssertEqual(StatusMessageEncoding.decode("a%2"[...]), "a%2")
    }
}
