import CNGHTTP2

/// Header fields (a request's, a response's, trailers) as nghttp2's submit functions take them:
/// every byte laid out in one allocation for the `nghttp2_nv` array. nghttp2 copies names and
/// values on submit, so the storage only lives for the call. The one header-block type of the
/// server and the client.
package struct HeaderBlock {
    package var fields: [(name: String, value: String)]

    package init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    package mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    /// Calls `body` with an `nghttp2_nv` array describing `fields`. The bytes and the array are
    /// temporary allocations (on the stack for the small blocks of a call's headers and status):
    /// nghttp2 copies them on submit.
    package func withNameValuePairs<R>(_ body: (UnsafePointer<nghttp2_nv>?, Int) -> R) -> R {
        if fields.isEmpty { return body(nil, 0) }
        var byteCount = 0
        for field in fields { byteCount += field.name.utf8.count + field.value.utf8.count }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(byteCount, 1)) { bytes in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: fields.count) { pairs in
                guard let bytes = bytes.baseAddress, let pairs = pairs.baseAddress else { return body(nil, 0) }
                var offset = 0
                for (index, field) in fields.enumerated() {
                    let nameStart = bytes + offset
                    let nameLength = copy(field.name, to: nameStart)
                    offset += nameLength
                    let valueStart = bytes + offset
                    let valueLength = copy(field.value, to: valueStart)
                    offset += valueLength
                    (pairs + index).initialize(to: nghttp2_nv(
                        name: nameStart, value: valueStart, namelen: nameLength, valuelen: valueLength,
                        flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                }
                return body(UnsafePointer(pairs), fields.count)
            }
        }
    }

    private func copy(_ string: String, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        // Native and literal strings have their UTF-8 in one piece: one memcpy instead of a loop
        // over the bytes (the loop was ~1% of a unary call's CPU, perf at h2load -c 10 -m 10).
        if let count = string.utf8.withContiguousStorageIfAvailable({ bytes -> Int in
            if let base = bytes.baseAddress {
                UnsafeMutableRawPointer(destination).copyMemory(from: base, byteCount: bytes.count)
            }
            return bytes.count
        }) {
            return count
        }
        var count = 0
        for byte in string.utf8 {
            destination[count] = byte
            count += 1
        }
        return count
    }
}

/// Plain strings: the shared blocks of every response (`static let`) cross threads.
extension HeaderBlock: Sendable {}

extension HeaderBlock: Equatable {
    package static func == (lhs: HeaderBlock, rhs: HeaderBlock) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}
