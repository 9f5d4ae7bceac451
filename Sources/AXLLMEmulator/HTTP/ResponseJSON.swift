/// JSON output. Runtime API bodies reproduce the vendor's bytes: fixed strings written by hand
/// (`{"status": "ok"}`, with the space) and nlohmann `dump()` output (keys sorted, no spaces, UTF-8 unescaped,
/// `/` not escaped) for the polled and chat replies.
enum RuntimeJSON {
    static let ok = #"{"status": "ok"}"#
    static let invalidRequest = #"{"error": "Invalid request format"}"#
    static let running = #"{"error": "llm is running"}"#
    static let invalidMessage = #"{"error": "Invalid message format"}"#

    /// `/api/generate_provider`: `{"done":<bool>,"response":"<text>"}`.
    static func providerChunk(response: String, done: Bool) -> String {
        #"{"done":\#(done),"response":\#(quoted(response))}"#
    }

    /// `/api/chat`: `{"done":true,"message":"<reply>"}`.
    static func chatReply(message: String) -> String {
        #"{"done":true,"message":\#(quoted(message))}"#
    }

    /// A string literal escaped like nlohmann's `dump()`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// An ordered JSON document for the inspection endpoint.
indirect enum JSONOutput {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONOutput])
    case object([(String, JSONOutput)])

    /// A received value, objects with sorted keys.
    init(_ value: JSONValue?) {
        switch value {
        case nil, .null?: self = .null
        case .bool(let flag)?: self = .bool(flag)
        case .number(let number)?: self = .double(number)
        case .string(let text)?: self = .string(text)
        case .array(let values)?: self = .array(values.map { JSONOutput($0) })
        case .object(let members)?:
            self = .object(members.keys.sorted().map { ($0, JSONOutput(members[$0])) })
        }
    }

    var serialized: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number):
            guard number.isFinite else { return "null" }
            if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
            return "\(number)"
        case .string(let text): return RuntimeJSON.quoted(text)
        case .array(let values): return "[" + values.map(\.serialized).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { RuntimeJSON.quoted($0.0) + ":" + $0.1.serialized }.joined(separator: ",") + "}"
        }
    }
}
