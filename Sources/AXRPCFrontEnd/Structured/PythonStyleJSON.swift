extension JSONValue {
    /// The JSON text Python's `json.dumps` writes by default (`", "` and `": "` separators, keys in
    /// order, non-ASCII kept): what Qwen's chat template (`tool | tojson`) puts in the `<tools>`
    /// block. The model was trained on that spelling, so the gateway writes it the same way.
    package func pythonStyle() -> String {
        switch self {
        case let .array(items):
            return "[" + items.map { $0.pythonStyle() }.joined(separator: ", ") + "]"
        case let .object(pairs):
            return "{" + pairs.map { JSONValue.string($0.0).serialized() + ": " + $0.1.pythonStyle() }
                .joined(separator: ", ") + "}"
        default:
            return serialized()
        }
    }

    /// The value of `key` in an object, or nil.
    package func member(_ key: String) -> JSONValue? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    /// Parses JSON text (nil when it is not JSON).
    package static func parse(text: String) -> JSONValue? {
        parse(Array(text.utf8))
    }
}
