import JSONText
import Foundation

/// A JSON document as a Swift value: what the gateway reads from request bodies and writes as
/// responses. Request bodies are loosely typed (`stop` is a string or a list, `temperature` may
/// arrive as `0`), so handlers read fields through this type and answer 400 with the field's name
/// rather than failing a rigid `Decodable` struct with a message no client can act on.
/// Objects keep their keys in order so that responses read like the APIs' own examples.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Kept apart from `.number` so that counts and durations are written without a fraction.
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.int(a), .number(b)), let (.number(b), .int(a)): return Double(a) == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The value of `key` in an object; nil for a missing key or a non-object.
    package subscript(key: String) -> JSONValue? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.last { $0.0 == key }?.1
    }

    package var isNull: Bool { self == .null }

    /// A number of either kind as a Double.
    package var doubleValue: Double? {
        switch self {
        case let .int(value): return Double(value)
        case let .number(value): return value
        default: return nil
        }
    }

    /// A number that is a whole value (`3` or `3.0`) as an Int.
    package var intValue: Int? {
        switch self {
        case let .int(value): return value
        case let .number(value):
            guard value.rounded() == value, let exact = Int(exactly: value) else { return nil }
            return exact
        default: return nil
        }
    }

    package var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    package var boolValue: Bool? {
        if case let .bool(value) = self { return value }
        return nil
    }

    package var arrayValue: [JSONValue]? {
        if case let .array(value) = self { return value }
        return nil
    }

    package var objectKeys: [String] {
        if case let .object(pairs) = self { return pairs.map(\.0) }
        return []
    }

    package var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// Parses a request body (keys kept in order, see `JSONParser`); nil when it is not JSON.
    package static func parse(_ bytes: [UInt8]) -> JSONValue? {
        JSONParser.parse(bytes)
    }

    /// The compact JSON text of this value, object keys in their order. Written here rather than
    /// with JSONEncoder, which reorders keys: answers should read like the APIs' own examples.
    package func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(value): out += value ? "true" : "false"
        case let .int(value): out += String(value)
        // JSON has no NaN or infinity; timings never produce them, but never emit invalid JSON.
        case let .number(value): out += value.isFinite ? "\(value)" : "0"
        case let .string(value): Self.quote(value, into: &out)
        case let .array(items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case let .object(pairs):
            out += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func quote(_ text: String, into out: inout String) { JSONString.append(text, to: &out) }
}

/// Reading through Decodable, for callers holding a Decoder; request bodies go through `JSONParser`.
extension JSONValue: Decodable {
    /// Any key, for objects whose keys are data.
    private struct CodingName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    package init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: CodingName.self) {
            var pairs: [(String, JSONValue)] = []
            for key in container.allKeys {
                pairs.append((key.stringValue, try container.decode(JSONValue.self, forKey: key)))
            }
            self = .object(pairs)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !container.isAtEnd { items.append(try container.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        let container = try decoder.singleValueContainer()
        // Bool before numbers: JSONDecoder never turns `true` into a number or `1` into a Bool,
        // so the order only matters for speed; Int before Double keeps `3` an integer.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .int(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }
    package init(nilLiteral: ()) { self = .null }
}
