import CNGHTTP2

/// Header fields as the `nghttp2_nv` array nghttp2's submit functions take. nghttp2 copies
/// names and values on submit, so the storage only has to outlive the call of `body`.
enum NameValueList {
    static func with<R>(_ fields: [(name: String, value: String)],
                        _ body: (UnsafePointer<nghttp2_nv>?, Int) -> R) -> R {
        guard !fields.isEmpty else { return body(nil, 0) }
        // One allocation for every byte: a request opens per call, so this is a hot path.
        let byteCount = fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(byteCount, 1))
        let pairs = UnsafeMutableBufferPointer<nghttp2_nv>.allocate(capacity: fields.count)
        defer {
            bytes.deallocate()
            pairs.deallocate()
        }
        var offset = 0
        for (index, field) in fields.enumerated() {
            let name = place(field.name, in: bytes, at: &offset)
            let value = place(field.value, in: bytes, at: &offset)
            pairs[index] = nghttp2_nv(name: name.start, value: value.start, namelen: name.count,
                                      valuelen: value.count, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
        }
        return body(UnsafePointer(pairs.baseAddress), fields.count)
    }

    private static func place(_ text: String, in bytes: UnsafeMutableBufferPointer<UInt8>,
                              at offset: inout Int) -> (start: UnsafeMutablePointer<UInt8>?, count: Int) {
        let start = bytes.baseAddress.map { $0 + offset }
        let (_, end) = UnsafeMutableBufferPointer(rebasing: bytes[offset...]).initialize(from: text.utf8)
        let count = end
        offset += count
        return (start, count)
    }
}
