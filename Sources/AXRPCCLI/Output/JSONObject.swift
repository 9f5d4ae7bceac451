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

    /// A JSON string literal: quotes, backslashes and control characters escaped; other
    /// characters (all of Unicode) stay as UTF-8.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
