/// A `grpc-timeout` header value: 1-8 ASCII digits and a unit (H M S m u n).
public struct GRPCTimeout: Sendable, Equatable {
    private static let maxDigitsValue: Int64 = 99_999_999

    /// Largest unit first so that the encoder finds the shortest exact form first.
    private static let units: [(symbol: UInt8, nanoseconds: Int64)] = [
        (UInt8(ascii: "H"), 3_600_000_000_000),
        (UInt8(ascii: "M"), 60_000_000_000),
        (UInt8(ascii: "S"), 1_000_000_000),
        (UInt8(ascii: "m"), 1_000_000),
        (UInt8(ascii: "u"), 1_000),
        (UInt8(ascii: "n"), 1),
    ]

    public let nanoseconds: Int64

    /// nil for anything malformed: empty, 9+ digits, missing or unknown unit, signs, spaces.
    public init?(headerValue: some StringProtocol) {
        let bytes = Array(headerValue.utf8)
        guard bytes.count >= 2, bytes.count <= 9, let unitByte = bytes.last,
              let unit = Self.units.first(where: { $0.symbol == unitByte }) else { return nil }
        var value: Int64 = 0
        for byte in bytes.dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: unit.nanoseconds)
        // 99999999H does not fit in Int64 nanoseconds; ~292 years is as good as forever.
        self.nanoseconds = overflow ? Int64.max : product
    }

    /// Negative values become 0; every non-negative Int64 fits in 8 digits of some unit.
    public init(nanoseconds: Int64) {
        self.nanoseconds = max(0, nanoseconds)
    }

    public var duration: Duration { .nanoseconds(nanoseconds) }

    /// The shortest exact encoding if one fits in 8 digits; otherwise the finest unit that fits,
    /// rounded up so that the peer never sees a shorter deadline than ours.
    public var headerValue: String {
        for unit in Self.units where nanoseconds % unit.nanoseconds == 0 {
            let value = nanoseconds / unit.nanoseconds
            if value <= Self.maxDigitsValue { return Self.format(value, unit.symbol) }
        }
        for unit in Self.units.reversed() {
            let (quotient, remainder) = nanoseconds.quotientAndRemainder(dividingBy: unit.nanoseconds)
            let value = remainder == 0 ? quotient : quotient + 1
            if value <= Self.maxDigitsValue { return Self.format(value, unit.symbol) }
        }
        return Self.format(Self.maxDigitsValue, UInt8(ascii: "H"))
    }

    private static func format(_ value: Int64, _ unit: UInt8) -> String {
        String(value) + String(UnicodeScalar(unit))
    }
}
