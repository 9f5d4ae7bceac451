import XCTest
import RPCProtocol

final class GRPCTimeoutTests: XCTestCase {
    func testEveryUnit() {
        XCTAssertEqual(GRPCTimeout(headerValue: "2H")?.nanoseconds, 7_200_000_000_000)
        XCTAssertEqual(GRPCTimeout(headerValue: "3M")?.nanoseconds, 180_000_000_000)
        XCTAssertEqual(GRPCTimeout(headerValue: "4S")?.nanoseconds, 4_000_000_000)
        XCTAssertEqual(GRPCTimeout(headerValue: "5m")?.nanoseconds, 5_000_000)
        XCTAssertEqual(GRPCTimeout(headerValue: "6u")?.nanoseconds, 6_000)
        XCTAssertEqual(GRPCTimeout(headerValue: "7n")?.nanoseconds, 7)
        XCTAssertEqual(GRPCTimeout(headerValue: "0S")?.nanoseconds, 0)
        XCTAssertEqual(GRPCTimeout(headerValue: "99999999m")?.nanoseconds, 99_999_999_000_000)
        XCTAssertEqual(GRPCTimeout(headerValue: "00000010S")?.nanoseconds, 10_000_000_000)
        XCTAssertEqual(GRPCTimeout(headerValue: "1500m")?.duration, .milliseconds(1500))
        XCTAssertEqual(GRPCTimeout(headerValue: "1S"[...])?.nanoseconds, 1_000_000_000)
    }

    func testOverflowingHoursClampInsteadOfWrapping() {
        XCTAssertEqual(GRPCTimeout(headerValue: "99999999H")?.nanoseconds, Int64.max)
    }

    func testMalformedValues() {
        for bad in ["", "1", "S", "123456789S", "-1S", "+1S", "1x", "1s", "1.5S", " 1S", "1S ", "1 S", "1SS", "１S"] {
            XCTAssertNil(GRPCTimeout(headerValue: bad), bad)
        }
    }

    func testHeaderValueIsShortAndExact() {
        XCTAssertEqual(GRPCTimeout(nanoseconds: 1_000_000_000).headerValue, "1S")
        XCTAssertEqual(GRPCTimeout(nanoseconds: 1_500_000_000).headerValue, "1500m")
        XCTAssertEqual(GRPCTimeout(nanoseconds: 7_200_000_000_000).headerValue, "2H")
        XCTAssertEqual(GRPCTimeout(nanoseconds: 90_000_000_000).headerValue, "90S")
        XCTAssertEqual(GRPCTimeout(nanoseconds: 120_000_000_000).headerValue, "2M")
        XCTAssertEqual(GRPCTimeout(nanoseconds: 7).headerValue, "7n")
        XCTAssertEqual(GRPCTimeout(nanoseconds: -5).nanoseconds, 0)
    }

    func testHeaderValueRoundsUpWhenNotExact() {
        // 123.456789012 s needs 12 digits in ns; the first unit that fits is ms, rounded up.
        XCTAssertEqual(GRPCTimeout(nanoseconds: 123_456_789_012).headerValue, "123457m")
        XCTAssertEqual(GRPCTimeout(nanoseconds: Int64.max).headerValue, "2562048H")
    }

    func testRoundTrips() {
        for nanoseconds: Int64 in [0, 1, 999, 1_000, 99_999_999, 100_000_000, 5_000_000_000, 86_400_000_000_000,
                                   123_000_000_000, Int64.max] {
            let value = GRPCTimeout(nanoseconds: nanoseconds).headerValue
            XCTAssertLessThanOrEqual(value.count, 9, value)
            let parsed = GRPCTimeout(headerValue: value)
            XCTAssertEqual(parsed?.nanoseconds, nanoseconds, value)
            XCTAssertEqual(parsed?.headerValue, value)
        }
    }
}
