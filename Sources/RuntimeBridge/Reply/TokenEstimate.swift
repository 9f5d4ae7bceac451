/// Token counts, estimated: the runtime reports none (every summary says `estimated: true`).
///
/// Estimate: one token per 4 ASCII bytes (rounded up) plus one per non-ASCII Unicode scalar.
/// For English Qwen's tokenizer averages about 4 characters a token; a CJK character is about one
/// token. Accented Latin text is overcounted somewhat, source code undercounted. Good enough to
/// enforce `max_tokens` (the runtime itself cannot) and to decide which old turns to drop.
struct TokenEstimate: Sendable, Equatable {
    /// The chat template adds about this many tokens around every message
    /// (`<|im_start|>role\n ... <|im_end|>\n`).
    static let perMessageOverhead = 4

    private var asciiBytes = 0
    private var otherScalars = 0

    init() {}

    init(_ text: String) {
        add(text)
    }

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            if byte < 0x80 {
                asciiBytes += 1
            } else if byte & 0xC0 != 0x80 {
                otherScalars += 1  // a lead byte: one scalar
            }
        }
    }

    var tokens: Int { (asciiBytes + 3) / 4 + otherScalars }

    static func tokens(in text: String) -> Int { TokenEstimate(text).tokens }

    /// One message as the template renders it.
    static func message(_ text: String) -> Int { tokens(in: text) + perMessageOverhead }
}
