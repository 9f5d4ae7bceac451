/// Removes the empty reasoning block that Qwen3 puts at the very start of every reply when
/// thinking is off (`<think>\n\n</think>\n\n`, and variants with other whitespace), even when it
/// arrives split across polls. Only the start of a reply is examined; a block with reasoning in
/// it is not the empty prefix and passes through untouched.
struct ThinkPrefixStripper {
    private static let open = Array("<think>".utf8)
    private static let close = Array("</think>".utf8)

    private enum Verdict {
        /// Still a possible prefix: hold the text back.
        case needMore
        /// Not the empty think block: release everything held.
        case notThePrefix
        /// The block (and the whitespace after it) ended; this is the text after it.
        case stripped(String)
    }

    private var deciding = true
    private var held: [UInt8] = []
    /// The empty think block was found and removed.
    private(set) var stripped = false

    /// The text to relay for `text`; empty while the start of the reply is undecided.
    mutating func feed(_ text: String) -> String {
        guard deciding else { return text }
        held.append(contentsOf: text.utf8)
        switch Self.examine(held, final: false) {
        case .needMore:
            return ""
        case .notThePrefix:
            return release()
        case let .stripped(rest):
            deciding = false
            stripped = true
            held = []
            return rest
        }
    }

    /// The reply ended: whatever is still held (an unfinished tag is real text).
    mutating func finish() -> String {
        guard deciding else { return "" }
        if case let .stripped(rest) = Self.examine(held, final: true) {
            deciding = false
            stripped = true
            held = []
            return rest
        }
        return release()
    }

    private mutating func release() -> String {
        deciding = false
        defer { held = [] }
        return String(decoding: held, as: UTF8.self)
    }

    private static func examine(_ bytes: [UInt8], final: Bool) -> Verdict {
        // <think>
        guard bytes.count >= open.count else {
            return open.starts(with: bytes) ? .needMore : .notThePrefix
        }
        guard bytes.starts(with: open) else { return .notThePrefix }
        var index = skipWhitespace(bytes, from: open.count)
        guard index < bytes.count else { return .needMore }
        // </think>
        let rest = bytes[index...]
        guard rest.count >= close.count else {
            return close.starts(with: rest) ? .needMore : .notThePrefix
        }
        guard rest.starts(with: close) else { return .notThePrefix }
        index = skipWhitespace(bytes, from: index + close.count)
        // More whitespace may follow in the next poll; the answer starts at the first non-space.
        guard index < bytes.count else { return final ? .stripped("") : .needMore }
        return .stripped(String(decoding: bytes[index...], as: UTF8.self))
    }

    private static func skipWhitespace(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
            || bytes[index] == 0x09 {
            index += 1
        }
        return index
    }
}
