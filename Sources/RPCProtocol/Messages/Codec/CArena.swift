import CAXRPCProto

/// Owns the C memory a protobuf-c struct points into while it is packed, and frees it all at once:
/// protobuf-c structs hold bare pointers, and Swift values give no stable storage to point at.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    init() {}

    deinit {
        for allocation in allocations { allocation.deallocate() }
    }

    /// A NUL-terminated copy. Never NULL, so that a oneof string set to "" still has presence.
    func string(_ text: String) -> UnsafeMutablePointer<CChar> {
        var text = text
        return text.withUTF8 { utf8 in
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
            allocations.append(UnsafeMutableRawPointer(copy))
            utf8.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress { copy.initialize(from: base, count: chars.count) }
            }
            copy[utf8.count] = 0
            return copy
        }
    }

    /// A `char **` array and its count, for repeated string fields.
    func strings(_ texts: [String]) -> (count: Int, pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        values(texts.map { Optional(string($0)) })
    }

    /// A copy of one C value, for sub-message pointers.
    func object<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        allocations.append(UnsafeMutableRawPointer(pointer))
        pointer.initialize(to: value)
        return pointer
    }

    /// A `T **` array of copies, for repeated message fields.
    func objects<T>(_ values: [T]) -> (count: Int, pointer: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?) {
        self.values(values.map { Optional(object($0)) })
    }

    /// A C array of plain values (NULL when empty, as protobuf-c expects for n == 0).
    func values<T>(_ values: [T]) -> (count: Int, pointer: UnsafeMutablePointer<T>?) {
        guard !values.isEmpty else { return (0, nil) }
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        allocations.append(UnsafeMutableRawPointer(pointer))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: source.count) }
        }
        return (values.count, pointer)
    }

    /// A `bytes` field value.
    func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        let copy = values(bytes)
        return ProtobufCBinaryData(len: copy.count, data: copy.pointer)
    }
}
