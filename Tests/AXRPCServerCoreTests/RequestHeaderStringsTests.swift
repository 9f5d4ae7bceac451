import XCTest

@testable import AXRPCServerCore

/// Request header names told apart by their bytes, and header values handed out again.
final class RequestHeaderStringsTests: XCTestCase {
    private func name(_ text: String) -> RequestHeaderName {
        Array(text.utf8).withUnsafeBufferPointer { RequestHeaderName($0) }
    }

    func testTheFieldsTheTransportReadsAreRecognized() {
        XCTAssertEqual(name(":path"), .path)
        XCTAssertEqual(name(":method"), .method)
        XCTAssertEqual(name("content-type"), .contentType)
        XCTAssertEqual(name("grpc-timeout"), .timeout)
        XCTAssertEqual(name("grpc-encoding"), .encoding)
    }

    func testPseudoTeAndReservedGRPCFieldsAreNotMetadata() {
        for reserved in [":authority", ":scheme", ":", "te", "grpc-accept-encoding", "grpc-"] {
            XCTAssertEqual(name(reserved), .reserved, reserved)
        }
    }

    func testEverythingElseIsMetadata() {
        for custom in ["user-agent", "authorization", "x-trace-bin", "ten", "t", "grpc", "content-typ"] {
            XCTAssertEqual(name(custom), .metadata, custom)
        }
        XCTAssertEqual(name(""), .metadata)
    }

    private func string(_ cache: inout RequestHeaderStrings, _ text: String) -> String {
        Array(text.utf8).withUnsafeBufferPointer { cache.string($0) }
    }

    private func storage(_ text: String) -> UnsafeRawPointer? {
        text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    func testARepeatedValueIsTheSameStringAgain() {
        var cache = RequestHeaderStrings()
        let path = "/axrpc.v1.Inference/Health"
        let first = string(&cache, path)
        let second = string(&cache, path)
        XCTAssertEqual(first, path)
        XCTAssertEqual(second, path)
        XCTAssertEqual(storage(first), storage(second), "the second is the kept string, not a new decode")
        XCTAssertEqual(string(&cache, "/axrpc.v1.Inference/Generate"), "/axrpc.v1.Inference/Generate")
        XCTAssertEqual(string(&cache, "/axrpc.v1.Inference/Healt"), "/axrpc.v1.Inference/Healt", "a prefix is another value")
        XCTAssertEqual(string(&cache, ""), "")
    }

    func testOnlyAFewValuesAreKept() {
        var cache = RequestHeaderStrings()
        let first = string(&cache, "value-number-0000000")
        for index in 1...8 { _ = string(&cache, "value-number-000000\(index)") }
        let again = string(&cache, "value-number-0000000")
        XCTAssertEqual(again, first)
        XCTAssertNotEqual(storage(again), storage(first), "the oldest of more than 8 values was let go")
    }
}
