import NIOCore
import XCTest

@testable import AXRPCServerCore

/// `LatestFrameCache`: a frame is made once per key and never outlives a change of key.
final class LatestFrameCacheTests: XCTestCase {
    func testTheFrameIsMadeOncePerKeyAndRemadeWhenTheKeyChanges() {
        let cache = LatestFrameCache<Int>()
        var made: [Int] = []
        func frame(_ key: Int) -> String {
            String(buffer: cache.frame(for: key) { key in
                made.append(key)
                return ByteBuffer(string: "frame \(key)")
            })
        }
        XCTAssertEqual(frame(1), "frame 1")
        XCTAssertEqual(frame(1), "frame 1")
        XCTAssertEqual(made, [1], "the same key is answered from the cache")
        XCTAssertEqual(frame(2), "frame 2")
        XCTAssertEqual(frame(1), "frame 1", "an older key is made again, never answered with the newer frame")
        XCTAssertEqual(made, [1, 2, 1])
    }

    func testReadingACachedFrameDoesNotConsumeIt() {
        let cache = LatestFrameCache<Int>()
        var first = cache.frame(for: 7) { _ in ByteBuffer(string: "abc") }
        _ = first.readString(length: 3)
        let second = cache.frame(for: 7) { _ in ByteBuffer(string: "other") }
        XCTAssertEqual(String(buffer: second), "abc", "a caller reading its copy leaves the cached frame whole")
    }
}
