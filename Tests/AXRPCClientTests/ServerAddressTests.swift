import XCTest

@testable import AXRPCClient

final class ServerAddressTests: XCTestCase {
    func testHostAndPort() {
        XCTAssertEqual(ServerAddress(parsing: "127.0.0.1:50051"), ServerAddress(host: "127.0.0.1", port: 50051))
        XCTAssertEqual(ServerAddress(parsing: "npu-box.local:8080"), ServerAddress(host: "npu-box.local", port: 8080))
    }

    func testMissingPortMeansTheDefault() {
        XCTAssertEqual(ServerAddress(parsing: "localhost"), ServerAddress(host: "localhost", port: 50051))
        XCTAssertEqual(ServerAddress(parsing: "[::1]"), ServerAddress(host: "::1", port: 50051))
    }

    func testBracketedIPv6() {
        XCTAssertEqual(ServerAddress(parsing: "[::1]:7000"), ServerAddress(host: "::1", port: 7000))
        XCTAssertEqual(ServerAddress(parsing: "[fe80::1%eth0]:1"), ServerAddress(host: "fe80::1%eth0", port: 1))
        XCTAssertEqual(ServerAddress(host: "::1", port: 7000).description, "[::1]:7000")
    }

    func testRejectsWhatCannotBeDialled() {
        for text in ["", ":50051", "host:", "host:0", "host:65536", "host:-1", "host:12ab", "::1", "::1:50051",
                     "[::1", "[::1]x", "[::1]:", "[]:1", "a b:1", "http://host:1", "host:+80"] {
            XCTAssertNil(ServerAddress(parsing: text), "\"\(text)\" should not parse")
        }
    }

    func testDescriptionRoundTrips() {
        for text in ["127.0.0.1:50051", "[::1]:1", "example.com:443"] {
            XCTAssertEqual(ServerAddress(parsing: text)?.description, text)
        }
    }
}
