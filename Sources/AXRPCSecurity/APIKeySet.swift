/// The bearer keys a caller may present. Empty means authentication is off.
///
/// Keys are compared in constant time (over the longer of the two lengths, against every
/// configured key) so that response timing does not reveal how much of a guessed key was right,
/// nor which key it came close to.
package struct APIKeySet: Sendable, Equatable {
    private let keys: [[UInt8]]

    package init(_ keys: [String]) {
        self.keys = keys.map { Array($0.utf8) }
    }

    package var isEmpty: Bool { keys.isEmpty }
    package var count: Int { keys.count }

    /// True when `candidate` equals one of the keys. Every key is compared whatever the outcome.
    package func contains(_ candidate: some StringProtocol) -> Bool {
        let bytes = Array(candidate.utf8)
        var found: UInt8 = 0
        for key in keys {
            found |= Self.constantTimeEqual(key, bytes)
        }
        return found != 0
    }

    /// 1 when equal, 0 otherwise; the time depends only on the longer length.
    package static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> UInt8 {
        let length = max(a.count, b.count)
        var difference: UInt = UInt(bitPattern: a.count ^ b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= UInt(x ^ y)
        }
        return difference == 0 ? 1 : 0
    }

    /// The key of an `Authorization: Bearer KEY` header value (scheme case-insensitive, as
    /// RFC 7235 says), or nil when the value is not a bearer credential.
    package static func bearerToken(_ header: String?) -> Substring? {
        guard let header else { return nil }
        let trimmed = header.drop { $0 == " " }
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).drop { $0 == " " }
        return token.isEmpty ? nil : token
    }

    /// Whether an `authorization` header value carries one of the keys.
    package func accepts(authorization header: String?) -> Bool {
        guard let token = Self.bearerToken(header) else { return false }
        return contains(token)
    }
}
