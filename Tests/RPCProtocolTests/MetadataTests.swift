import XCTest
@testable import RPCProtocol

final class MetadataTests: XCTestCase {
    func testNamesAreLowercasedAndLookupsFindTheFirstValue() {
        var metadata = Metadata()
        metadata.add("X-Request-ID", "one")
        metadata.add("x-request-id", "two")
        XCTAssertEqual(metadata["x-request-id"], "one")
        XCTAssertEqual(metadata["X-REQUEST-ID"], "one")
        XCTAssertNil(metadata["missing"])
        XCTAssertEqual(metadata.map(\.name), ["x-request-id", "x-request-id"])
    }

    func testDictionaryLiteral() {
        let metadata: Metadata = ["a": "1", "B": "\(2)"]
        XCTAssertEqual(metadata["a"], "1")
        XCTAssertEqual(metadata["b"], "2")
        XCTAssertEqual(metadata.count, 2)
    }

    func testBinaryValuesAreBase64PaddedOnTheWire() {
        var metadata = Metadata()
        metadata.add("trace-bin", binary: [1, 2, 3, 4])
        metadata.add("plain", "text")
        XCTAssertEqual(metadata.binaryValue("trace-bin"), [1, 2, 3, 4])
        XCTAssertNil(metadata["trace-bin"])
        let headers = metadata.wireHeaders
        XCTAssertEqual(headers.map(\.name), ["trace-bin", "plain"])
        XCTAssertEqual(headers.map(\.value), ["AQIDBA==", "text"])
    }

    func testBinaryNameGetsTheSuffix() {
        var metadata = Metadata()
        metadata.add("Key", binary: [0xFF])
        XCTAssertEqual(metadata.binaryValue("key-bin"), [0xFF])
    }

    func testReceivedBinaryHeadersAcceptPaddedAndUnpadded() throws {
        var metadata = Metadata()
        try metadata.addWireHeader(name: "a-bin", value: "AQID")
        try metadata.addWireHeader(name: "b-bin", value: "AQI=")
        try metadata.addWireHeader(name: "c-bin", value: "AQI")
        try metadata.addWireHeader(name: "d-bin", value: "AQ==")
        try metadata.addWireHeader(name: "e-bin", value: "AQ")
        try metadata.addWireHeader(name: "f-bin", value: "")
        try metadata.addWireHeader(name: "text", value: "AQ==")
        XCTAssertEqual(metadata.binaryValue("a-bin"), [1, 2, 3])
        XCTAssertEqual(metadata.binaryValue("b-bin"), [1, 2])
        XCTAssertEqual(metadata.binaryValue("c-bin"), [1, 2])
        XCTAssertEqual(metadata.binaryValue("d-bin"), [1])
        XCTAssertEqual(metadata.binaryValue("e-bin"), [1])
        XCTAssertEqual(metadata.binaryValue("f-bin"), [])
        XCTAssertEqual(metadata["text"], "AQ==")
    }

    func testInvalidBase64IsInternal() {
        for bad in ["A", "!!!!", "AQ=", "AQI==", "A=QI", "AQ ID", "AQID\n"] {
            var metadata = Metadata()
            XCTAssertThrowsError(try metadata.addWireHeader(name: "x-bin", value: bad), bad) { error in
                XCTAssertEqual((error as? RPCError)?.code, .internalError)
            }
        }
    }

    func testBase64RoundTripsEveryLength() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            let encoded = Base64.encode(bytes)
            XCTAssertEqual(Base64.decode(encoded), bytes)
            XCTAssertEqual(Base64.decode(encoded.filter { $0 != "=" }), bytes)
        }
    }

    func testTextUnderABinNameIsEncodedForSending() {
        var metadata = Metadata()
        metadata.add("odd-bin", "hi")
        XCTAssertEqual(metadata.wireHeaders.first?.value, "aGk=")
    }

    func testValidNames() {
        XCTAssertTrue(Metadata.isValidName("x-request-id"))
        XCTAssertTrue(Metadata.isValidName("a.b_c-0"))
        XCTAssertFalse(Metadata.isValidName(""))
        XCTAssertFalse(Metadata.isValidName("Upper"))
        XCTAssertFalse(Metadata.isValidName("with space"))
        XCTAssertFalse(Metadata.isValidName(":path"))
        XCTAssertFalse(Metadata.isValidName("ü"))
    }
}
