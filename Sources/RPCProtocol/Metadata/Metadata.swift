/// Custom request headers or response trailers of an RPC, in order, names lower-case.
public struct Metadata: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// A metadata value: text, or raw bytes under a `-bin` name.
    /// String literals (interpolated too) make text values, so that `["name": "\(value)"]` builds metadata.
    public enum Value: Sendable, Equatable, ExpressibleByStringInterpolation {
        case string(String)
        case binary([UInt8])

        public init(stringLiteral value: String) {
            self = .string(value)
        }
    }

    public typealias Element = (name: String, value: Value)

    /// One header; a struct rather than a tuple so that metadata can be Equatable.
    private struct Entry: Sendable, Equatable {
        var name: String
        var value: Value
    }

    private var entries: [Entry] = []

    public init() {}

    // The nested `Value` doubles as the literal's value type: the protocol's associated type
    // has the same name, and string literals convert to `.string`.
    public init(dictionaryLiteral elements: (String, Value)...) {
        for (name, value) in elements {
            switch value {
            case .string(let text): add(name, text)
            case .binary(let bytes): add(name, binary: bytes)
            }
        }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public mutating func add(_ name: String, _ value: String) {
        entries.append(Entry(name: name.lowercased(), value: .string(value)))
    }

    /// A name without the `-bin` suffix gets it appended: only `-bin` names can carry bytes.
    public mutating func add(_ name: String, binary: [UInt8]) {
        var name = name.lowercased()
        if !name.hasSuffix("-bin") { name += "-bin" }
        entries.append(Entry(name: name, value: .binary(binary)))
    }

    /// The first text value under `name`.
    public subscript(name: String) -> String? {
        let name = name.lowercased()
        for entry in entries where entry.name == name {
            if case .string(let text) = entry.value { return text }
        }
        return nil
    }

    /// The first binary value under `name`.
    public func binaryValue(_ name: String) -> [UInt8]? {
        let name = name.lowercased()
        for entry in entries where entry.name == name {
            if case .binary(let bytes) = entry.value { return bytes }
        }
        return nil
    }

    /// Whether `name` is a legal metadata name: `[0-9a-z_.-]+`.
    public static func isValidName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// From a received header: for `*-bin` names, base64 decode (padded and unpadded accepted).
    public mutating func addWireHeader(name: String, value: String) throws {
        let name = name.lowercased()
        if name.hasSuffix("-bin") {
            guard let bytes = Base64.decode(value) else {
                throw RPCError(.internalError, "invalid base64 in metadata value of \(name)")
            }
            entries.append(Entry(name: name, value: .binary(bytes)))
        } else {
            entries.append(Entry(name: name, value: .string(value)))
        }
    }

    /// (name, value) pairs for sending; `-bin` values are base64 encoded.
    public var wireHeaders: [(name: String, value: String)] {
        entries.map { entry in
            switch entry.value {
            case .binary(let bytes):
                (entry.name, Base64.encode(bytes))
            case .string(let text) where entry.name.hasSuffix("-bin"):
                // A peer base64-decodes anything under a -bin name, so text must be encoded too.
                (entry.name, Base64.encode(Array(text.utf8)))
            case .string(let text):
                (entry.name, text)
            }
        }
    }

    public func makeIterator() -> some IteratorProtocol<Element> {
        entries.lazy.map { (name: $0.name, value: $0.value) }.makeIterator()
    }
}
