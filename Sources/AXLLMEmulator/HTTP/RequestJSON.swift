/// A conversion that nlohmann::json would reject with a `type_error` exception (the runtime then answers
/// 500 through cpp-httplib's exception handler).
struct JSONTypeError: Error, Equatable {
    let what: String
}

/// Parsing and nlohmann::json-like conversions of request bodies.
extension JSONValue {
    /// The body as JSON, or `nil` where nlohmann's non-throwing parse would give a "discarded" value.
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        StrictJSONParser.parse(bytes)
    }

    /// nlohmann's `contains(key)`: false for anything but an object.
    func contains(_ key: String) -> Bool {
        self[key] != nil
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// nlohmann's type name, as in its error messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// `float x = json`: numbers and booleans convert, anything else throws.
    func asFloat() throws(JSONTypeError) -> Float {
        Float(try asNumber())
    }

    /// `int x = json`: like a C++ cast (truncation toward zero, clamped to the `int` range).
    func asInt() throws(JSONTypeError) -> Int {
        let number = try asNumber()
        guard number.isFinite else { return Int(Int32.min) }
        return Int(max(Double(Int32.min), min(Double(Int32.max), number.rounded(.towardZero))))
    }

    /// `std::string s = json`: only strings convert.
    func asString() throws(JSONTypeError) -> String {
        guard case .string(let value) = self else {
            throw JSONTypeError(what: "[json.exception.type_error.302] type must be string, but is \(typeName)")
        }
        return value
    }

    /// `std::vector<json> v = json`: only arrays convert.
    func asArray() throws(JSONTypeError) -> [JSONValue] {
        guard case .array(let values) = self else {
            throw JSONTypeError(what: "[json.exception.type_error.302] type must be array, but is \(typeName)")
        }
        return values
    }

    private func asNumber() throws(JSONTypeError) -> Double {
        switch self {
        case .number(let value): return value
        case .bool(let value): return value ? 1 : 0
        default:
            throw JSONTypeError(what: "[json.exception.type_error.302] type must be number, but is \(typeName)")
        }
    }
}
