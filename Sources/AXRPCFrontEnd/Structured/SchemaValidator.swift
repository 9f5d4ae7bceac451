import Foundation

/// Checks a value against the subset of JSON Schema that structured-output clients send
/// (LangChain, OpenAI's `json_schema`, Pydantic's output): type (string or list), properties,
/// required, additionalProperties: false, items, enum, const, anyOf/oneOf/allOf, `$ref` into
/// `$defs`/`definitions`, minimum/maximum, minLength/maxLength, minItems/maxItems. Keywords
/// outside the subset are not checked (the reply is accepted as far as they go).
package struct SchemaValidator: Sendable {
    package let root: JSONValue

    /// The first problem found, naming its path (`$.items[0].name`), or nil when `value` matches.
    package func problem(with value: JSONValue, against schema: JSONValue, at path: String, depth: Int = 0) -> String? {
        guard depth < 32 else { return nil }
        if case .bool(false) = schema { return "\(path) is not allowed" }
        guard schema.isObject else { return nil }
        if let reference = schema.member("$ref")?.stringValue {
            guard let target = resolve(reference) else { return nil }
            return problem(with: value, against: target, at: path, depth: depth + 1)
        }
        if let constant = schema.member("const"), constant != value {
            return "\(path) must be \(constant.serialized())"
        }
        if let options = schema.member("enum")?.arrayValue, !options.contains(value) {
            return "\(path) must be one of \(JSONValue.array(options).serialized())"
        }
        for key in ["anyOf", "oneOf"] {
            if let options = schema.member(key)?.arrayValue,
               !options.contains(where: { problem(with: value, against: $0, at: path, depth: depth + 1) == nil }) {
                return "\(path) matches none of the \(key) alternatives"
            }
        }
        if let parts = schema.member("allOf")?.arrayValue {
            for part in parts {
                if let found = problem(with: value, against: part, at: path, depth: depth + 1) { return found }
            }
        }
        if let types = typeNames(schema), !types.contains(where: { Self.matches(value, type: $0) }) {
            return "\(path) must be \(types.joined(separator: " or ")), not \(Self.typeName(of: value))"
        }
        return structure(of: value, against: schema, at: path, depth: depth)
    }

    /// Object, array, string and number keywords.
    private func structure(of value: JSONValue, against schema: JSONValue, at path: String, depth: Int) -> String? {
        switch value {
        case let .object(pairs):
            let properties = schema.member("properties")
            for name in schema.member("required")?.arrayValue?.compactMap(\.stringValue) ?? []
                where !pairs.contains(where: { $0.0 == name }) {
                return "\(path).\(name) is required"
            }
            for (key, item) in pairs {
                if let property = properties?.member(key) {
                    if let found = problem(with: item, against: property, at: "\(path).\(key)", depth: depth + 1) {
                        return found
                    }
                } else if let extra = schema.member("additionalProperties") {
                    if case .bool(false) = extra { return "\(path).\(key) is not an allowed property" }
                    if let found = problem(with: item, against: extra, at: "\(path).\(key)", depth: depth + 1) {
                        return found
                    }
                }
            }
        case let .array(items):
            if let minimum = schema.member("minItems")?.intValue, items.count < minimum {
                return "\(path) needs at least \(minimum) items"
            }
            if let maximum = schema.member("maxItems")?.intValue, items.count > maximum {
                return "\(path) allows at most \(maximum) items"
            }
            if let itemSchema = schema.member("items") {
                for (index, item) in items.enumerated() {
                    if let found = problem(with: item, against: itemSchema, at: "\(path)[\(index)]", depth: depth + 1) {
                        return found
                    }
                }
            }
        case let .string(text):
            if let minimum = schema.member("minLength")?.intValue, text.count < minimum {
                return "\(path) must be at least \(minimum) characters"
            }
            if let maximum = schema.member("maxLength")?.intValue, text.count > maximum {
                return "\(path) must be at most \(maximum) characters"
            }
        case .int, .number:
            let number = value.doubleValue ?? 0
            if let minimum = schema.member("minimum")?.doubleValue, number < minimum {
                return "\(path) must be at least \(minimum)"
            }
            if let maximum = schema.member("maximum")?.doubleValue, number > maximum {
                return "\(path) must be at most \(maximum)"
            }
        case .null, .bool:
            break
        }
        return nil
    }

    private func typeNames(_ schema: JSONValue) -> [String]? {
        guard let type = schema.member("type") else { return nil }
        if let name = type.stringValue { return [name] }
        return type.arrayValue?.compactMap(\.stringValue)
    }

    package static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
             ("number", .int), ("number", .number), ("integer", .int):
            return true
        case let ("integer", .number(number)):
            return number.rounded() == number
        default:
            return false
        }
    }

    package static func typeName(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// `#/$defs/Name`, `#/definitions/Name` (any JSON pointer into the root schema).
    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var node = root
        for part in reference.dropFirst().split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node.member(key) else { return nil }
            node = next
        }
        return node
    }
}
