#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The request header fields the transport reads itself, told apart by their bytes as nghttp2
/// hands them over (lowercase: nghttp2 rejects other names), so that a field's name never
/// becomes a `String`.
enum RequestHeaderName {
    case method, path, contentType, timeout, encoding
    /// Pseudo-headers, `te` and reserved `grpc-*` fields: not metadata, not read.
    case reserved
    /// Anything else: the call's custom metadata.
    case metadata

    init(_ name: UnsafeBufferPointer<UInt8>) {
        if Self.equals(name, ":path") {
            self = .path
        } else if Self.equals(name, ":method") {
            self = .method
        } else if Self.equals(name, "content-type") {
            self = .contentType
        } else if Self.equals(name, "grpc-timeout") {
            self = .timeout
        } else if Self.equals(name, "grpc-encoding") {
            self = .encoding
        } else if name.first == UInt8(ascii: ":") || Self.hasPrefix(name, "grpc-") || Self.equals(name, "te") {
            self = .reserved
        } else {
            self = .metadata
        }
    }

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && hasPrefix(bytes, literal)
    }

    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        guard count > 0, let base = bytes.baseAddress else { return true }
        return memcmp(base, literal.utf8Start, count) == 0
    }
}

/// The header strings of a connection's recent requests: a client sends the same `:path`,
/// `content-type` and `user-agent` on every call, so a value seen before is handed out again
/// (a retain) instead of being decoded into a new `String` (an allocation when longer than 15
/// bytes) per request. Small and bounded: a few short strings per connection.
struct RequestHeaderStrings {
    private static let capacity = 8
    /// Longer values are rare and not worth keeping.
    private static let longestKept = 256
    private var kept: [String] = []
    private var next = 0

    init() {}

    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.count <= Self.longestKept else { return String(decoding: bytes, as: UTF8.self) }
        for candidate in kept where Self.matches(candidate, bytes) { return candidate }
        let string = String(decoding: bytes, as: UTF8.self)
        if kept.count < Self.capacity {
            kept.append(string)
        } else {
            kept[next] = string
            next = (next + 1) % Self.capacity
        }
        return string
    }

    private static func matches(_ candidate: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard candidate.utf8.count == bytes.count else { return false }
        // Strings decoded here are native, so their UTF-8 is contiguous: a plain byte compare.
        return candidate.utf8.withContiguousStorageIfAvailable { stored in
            guard let storedBase = stored.baseAddress, let base = bytes.baseAddress else { return stored.isEmpty }
            return memcmp(storedBase, base, bytes.count) == 0
        } ?? candidate.utf8.elementsEqual(bytes)
    }
}
