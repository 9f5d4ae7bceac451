import JSONText

/// One JSON object with keys in the order they were set, for `--json` output (one object per
/// line). Hand-written because the output is small and fixed, and key order should be stable.
struct JSONObject {
    private var members: [(key: String, encoded: String)] = []

    init() {}

    mutating func set(_ key: String, _ value: String) { add(key, Self.quote(value)) }
    mutating func set(_ key: String, _ value: Bool) { add(key, value ? "true" : "false") }
    mutating func set(_ key: String, _ value: some BinaryInteger) { add(key, "\(value)") }
    mutating func set(_ key: String, _ value: JSONObject) { add(key, value.text) }

    /// Non-finite numbers have no JSON form: null.
    mutating func set(_ key: String, _ value: Double) { add(key, value.isFinite ? "\(value)" : "null") }

    var text: String {
        "{" + members.map { Self.quote($0.key) + ":" + $0.encoded }.joined(separator: ",") + "}"
    }

    private mutating func add(_ key: String, _ encoded: String) {
        members.append((key, encoded))
    }

    static func quote(_ text: String) -> String { JSONString.quoted(text) }
}
