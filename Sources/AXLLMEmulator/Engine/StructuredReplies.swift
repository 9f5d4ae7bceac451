import Foundation

/// Deterministic tool-call and JSON replies, so that the server's tool-calling and JSON-output
/// paths can be tested end to end without a model. The contract (front ends write exactly these
/// phrasings):
///
/// * TOOLS: the held conversation's system prompt has Qwen3's `<tools>` block (one JSON object per
///   line) and the prompt has no `<tool_response>`: the body is
///   `<tool_call>\n{"name": "<first tool>", "arguments": <instance of its parameters>}\n</tool_call>`.
///   A prompt carrying a `<tool_response>` gets an ordinary reply (the model "read" the result).
/// * JSON: the system prompt or the prompt contains `Respond with a JSON object only`: the body is a
///   compact JSON object, an instance of the schema after `JSON schema: ` when there is one, else
///   `{"answer": "<a few words>"}`.
///
/// Instances: object: every property, in schema order; string: "example" (or the first enum
/// value); integer 1; number 1.5; boolean true; array: one item; anyOf/oneOf/allOf: the first;
/// `$ref` into `$defs`/`definitions`. Bodies are split into short tokens (up to 4 characters),
/// flushed every 3 tokens like any other text.
enum StructuredReplies {
    static let jsonInstruction = "Respond with a JSON object only"
    static let schemaMarker = "JSON schema: "
    static let toolsOpen = "<tools>\n"
    static let toolsClose = "\n</tools>"
    static let toolResponse = "<tool_response>"

    /// The reply tokens (think prefix + body) when the inputs ask for a structured reply; nil for
    /// an ordinary reply.
    static func replyTokens(systemPrompt: String, prompt: String, seed: UInt64) -> [[UInt8]]? {
        guard let body = body(systemPrompt: systemPrompt, prompt: prompt, seed: seed) else { return nil }
        return ReplyGenerator.thinkPrefixTokens + tokens(of: body)
    }

    static func body(systemPrompt: String, prompt: String, seed: UInt64) -> String? {
        if !prompt.contains(toolResponse), let call = toolCall(systemPrompt: systemPrompt) {
            return call
        }
        for text in [prompt, systemPrompt] {
            guard let marker = text.range(of: jsonInstruction) else { continue }
            let rest = text[marker.upperBound...]
            if let schemaStart = rest.range(of: schemaMarker),
               let schema = OrderedJSON.parsePrefix(rest[schemaStart.upperBound...]) {
                return SchemaInstance(root: schema).instance(of: schema, depth: 0).compact()
            }
            return OrderedJSON.object([("answer", .string(fewWords(seed: seed)))]).compact()
        }
        return nil
    }

    /// The call of the first tool in the `<tools>` block, or nil when there is none.
    private static func toolCall(systemPrompt: String) -> String? {
        guard let open = systemPrompt.range(of: toolsOpen),
              let close = systemPrompt.range(of: toolsClose, range: open.upperBound..<systemPrompt.endIndex) else {
            return nil
        }
        let block = systemPrompt[open.upperBound..<close.lowerBound]
        guard let firstLine = block.split(separator: "\n").first,
              let tool = OrderedJSON.parsePrefix(firstLine),
              case let .string(name)? = tool.member("function")?.member("name") ?? tool.member("name") else {
            return nil
        }
        let parameters = tool.member("function")?.member("parameters") ?? tool.member("parameters")
        let arguments = parameters.map { SchemaInstance(root: $0).instance(of: $0, depth: 0) } ?? .object([])
        return "<tool_call>\n{\"name\": " + OrderedJSON.string(name).compact() + ", \"arguments\": "
            + arguments.spaced() + "}\n</tool_call>"
    }

    private static func fewWords(seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed)
        return (0..<3).map { _ in Vocabulary.asciiWords[rng.next(below: Vocabulary.asciiWords.count)] }
            .joined(separator: " ").trimmingCharactersSpace()
    }

    /// Up to 4 characters per token, as a tokenizer splits JSON punctuation and short words.
    static func tokens(of body: String) -> [[UInt8]] {
        var tokens: [[UInt8]] = []
        var current = ""
        for character in body {
            current.append(character)
            if current.count == 4 {
                tokens.append(Array(current.utf8))
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(Array(current.utf8)) }
        return tokens
    }
}

private extension String {
    func trimmingCharactersSpace() -> String {
        String(drop { $0 == " " })
    }
}

/// Builds the deterministic instance of a JSON schema (the rules are in `StructuredReplies`).
private struct SchemaInstance {
    let root: OrderedJSON

    func instance(of schema: OrderedJSON, depth: Int) -> OrderedJSON {
        // A self-referencing schema ends in null rather than recursing forever.
        guard depth < 16 else { return .null }
        if case let .string(reference)? = schema.member("$ref") { return instance(of: resolve(reference), depth: depth + 1) }
        if let constant = schema.member("const") { return constant }
        if case let .array(values)? = schema.member("enum"), let first = values.first { return first }
        for key in ["anyOf", "oneOf", "allOf"] {
            if case let .array(options)? = schema.member(key), let first = options.first {
                return instance(of: first, depth: depth + 1)
            }
        }
        switch type(of: schema) {
        case "object":
            guard case let .object(properties)? = schema.member("properties") else { return .object([]) }
            return .object(properties.map { ($0.0, instance(of: $0.1, depth: depth + 1)) })
        case "array":
            let items = schema.member("items") ?? .object([])
            return .array([instance(of: items, depth: depth + 1)])
        case "string": return .string("example")
        case "integer": return .integer(1)
        case "number": return .number(1.5)
        case "boolean": return .bool(true)
        case "null": return .null
        default: return .string("example")
        }
    }

    /// The schema's type: the first non-null entry of a type list; objects and arrays recognised
    /// by their keywords when `type` is missing.
    private func type(of schema: OrderedJSON) -> String {
        switch schema.member("type") {
        case let .string(name)?: return name
        case let .array(names)?:
            for case let .string(name) in names where name != "null" { return name }
            return "null"
        default:
            if schema.member("properties") != nil { return "object" }
            if schema.member("items") != nil { return "array" }
            return "string"
        }
    }

    /// `#/$defs/Name` or `#/definitions/Name`; anything else resolves to an empty schema.
    private func resolve(_ reference: String) -> OrderedJSON {
        var node = root
        for part in reference.split(separator: "/").dropFirst() {
            guard let next = node.member(String(part)) else { return .object([]) }
            node = next
        }
        return node
    }
}

/// A JSON value that keeps object keys in order (the emulator's `JSONValue` does not, and an
/// instance must list properties in schema order to be deterministic). Parses and prints only
/// what the structured replies need.
enum OrderedJSON: Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool { lhs.compact() == rhs.compact() }

    func member(_ key: String) -> OrderedJSON? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    /// `{"a":1}`: how the JSON reply is written.
    func compact() -> String { render(comma: ",", colon: ":") }

    /// `{"a": 1}`: how Qwen writes tool-call arguments.
    func spaced() -> String { render(comma: ", ", colon: ": ") }

    private func render(comma: String, colon: String) -> String {
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .integer(value): return String(value)
        case let .number(value): return value.isFinite ? "\(value)" : "0"
        case let .string(value): return Self.quote(value)
        case let .array(items): return "[" + items.map { $0.render(comma: comma, colon: colon) }.joined(separator: comma) + "]"
        case let .object(pairs):
            return "{" + pairs.map { Self.quote($0.0) + colon + $0.1.render(comma: comma, colon: colon) }
                .joined(separator: comma) + "}"
        }
    }

    /// Escaped like the runtime's own JSON (nlohmann's `dump()`).
    private static func quote(_ text: String) -> String {
        RuntimeJSON.quoted(text)
    }

    /// Parses the JSON value at the start of `text` (after whitespace); what follows is ignored.
    static func parsePrefix(_ text: Substring) -> OrderedJSON? {
        var parser = Parser(bytes: Array(text.utf8))
        return parser.value(depth: 0)
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func value(depth: Int) -> OrderedJSON? {
            guard depth < 64 else { return nil }
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(OrderedJSON.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return number()
            }
        }

        private mutating func object(depth: Int) -> OrderedJSON? {
            index += 1
            var pairs: [(String, OrderedJSON)] = []
            skipSpace()
            if consume("}") { return .object(pairs) }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard consume(":"), let item = value(depth: depth + 1) else { return nil }
                pairs.append((key, item))
                skipSpace()
                if consume("}") { return .object(pairs) }
                guard consume(",") else { return nil }
            }
        }

        private mutating func array(depth: Int) -> OrderedJSON? {
            index += 1
            var items: [OrderedJSON] = []
            skipSpace()
            if consume("]") { return .array(items) }
            while true {
                guard let item = value(depth: depth + 1) else { return nil }
                items.append(item)
                skipSpace()
                if consume("]") { return .array(items) }
                guard consume(",") else { return nil }
            }
        }

        private mutating func string() -> String? {
            guard consume("\"") else { return nil }
            var out: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                guard byte == UInt8(ascii: "\\") else {
                    out.append(byte)
                    continue
                }
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                        return nil
                    }
                    index += 4
                    // Surrogate halves cannot stand alone in Swift strings; they become U+FFFD.
                    out += Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
                default: out.append(escape)
                }
            }
            return nil
        }

        private mutating func number() -> OrderedJSON? {
            let start = index
            while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if let integer = Int(text) { return .integer(integer) }
            return Double(text).map(OrderedJSON.number)
        }

        private mutating func literal(_ word: String, _ value: OrderedJSON) -> OrderedJSON? {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
                return nil
            }
            index += expected.count
            return value
        }

        private mutating func consume(_ character: Character) -> Bool {
            guard index < bytes.count, let ascii = character.asciiValue, bytes[index] == ascii else { return false }
            index += 1
            return true
        }

        private mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }
    }
}
