/// Deterministic replies. The TOKEN MODEL:
/// * every reply starts with the 4 tokens `<think>`, `\n\n`, `</think>`, `\n\n`;
/// * then the body: words from `Vocabulary`, separated by single spaces, then `.` (a token of its own);
///   an ASCII word (with its leading space) is ONE token; a non-ASCII word is split at byte level like a
///   byte-BPE does for rare characters: the part before its first multi-byte character (if any), then each
///   byte of that character alone, then the rest of the word. Token boundaries thus straddle UTF-8
///   characters: a 3-token flush can end mid-character, and three bytes of a 4-byte emoji make an empty
///   chunk;
/// * body length: `fixedBodyTokens` when set, else 20...60 tokens chosen by the seed.
/// The seed hashes the held conversation digest, the prompt and the sampling parameters that matter
/// (`SamplingState.combine(into:)`), so the same inputs give the same text and greedy differs from sampling.
enum ReplyGenerator {
    static let thinkPrefix = "<think>\n\n</think>\n\n"
    static let thinkPrefixTokens: [[UInt8]] = ["<think>", "\n\n", "</think>", "\n\n"].map { Array($0.utf8) }

    static func seed(conversationDigest: UInt64, prompt: String, sampling: SamplingState) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(conversationDigest)
        hasher.combine(prompt)
        sampling.combine(into: &hasher)
        return hasher.value
    }

    /// All tokens of a reply (think prefix + body), each as its UTF-8 bytes.
    static func replyTokens(seed: UInt64, fixedBodyTokens: Int?, asciiOnly: Bool = false) -> [[UInt8]] {
        thinkPrefixTokens + bodyTokens(seed: seed, fixedBodyTokens: fixedBodyTokens, asciiOnly: asciiOnly)
    }

    static func bodyTokens(seed: UInt64, fixedBodyTokens: Int?, asciiOnly: Bool = false) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        let target = max(0, fixedBodyTokens ?? 20 + rng.next(below: 41))
        var tokens: [[UInt8]] = []
        // The closing full stop is a token of its own, as in the model's tokenizer.
        let words = target - 1
        while tokens.count < words {
            let separator = tokens.isEmpty ? "" : " "
            var pieces = self.tokens(of: separator + pickWord(&rng, asciiOnly: asciiOnly))
            if pieces.count > words - tokens.count {
                // Too long for the remaining budget: an ASCII word is always exactly one token.
                let word = Vocabulary.asciiWords[rng.next(below: Vocabulary.asciiWords.count)]
                pieces = self.tokens(of: separator + word)
            }
            tokens += pieces
        }
        if target > 0 { tokens.append(Array(".".utf8)) }
        return tokens
    }

    /// Splits one word (with its leading space) into tokens as described in the type's documentation.
    static func tokens(of word: String) -> [[UInt8]] {
        let bytes = Array(word.utf8)
        guard let lead = bytes.firstIndex(where: { $0 >= 0x80 }) else { return [bytes] }
        let length = utf8SequenceLength(lead: bytes[lead])
        let end = min(bytes.count, lead + length)
        var pieces: [[UInt8]] = lead > 0 ? [Array(bytes[..<lead])] : []
        for index in lead..<end { pieces.append([bytes[index]]) }
        if end < bytes.count { pieces.append(Array(bytes[end...])) }
        return pieces
    }

    /// Length of the UTF-8 sequence that starts with `lead` (1 for ASCII or a stray continuation byte).
    static func utf8SequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0xF0...0xF7: return 4
        case 0xE0...0xEF: return 3
        case 0xC0...0xDF: return 2
        default: return 1
        }
    }

    private static func pickWord(_ rng: inout SplitMix64, asciiOnly: Bool) -> String {
        if !asciiOnly, rng.next(below: Vocabulary.nonASCIIOneIn) == 0 {
            return Vocabulary.nonASCIIWords[rng.next(below: Vocabulary.nonASCIIWords.count)]
        }
        return Vocabulary.asciiWords[rng.next(below: Vocabulary.asciiWords.count)]
    }
}
