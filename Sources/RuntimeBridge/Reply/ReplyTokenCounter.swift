/// Counts the tokens of a streamed reply and finds where the `n`-th one ends, without the model's
/// tokenizer (the runtime reports no token ids). Pieces follow the pre-tokenizer of Qwen's
/// byte-level BPE, which common English words and punctuation pass through whole:
///
/// * a run of letters, with the one space before it (` word`);
/// * a single digit;
/// * a run of punctuation or symbols, with one space before and newlines after it;
/// * newlines (with the spaces before them);
/// * a run of spaces (its last space belongs to the word or punctuation after it).
///
/// Scripts without spaces (CJK and beyond, U+2E80 on) count one token a character. A rare word
/// that the real BPE splits counts once here, so counts are estimates (summaries say so); for
/// ordinary text they match the model's pieces, and `max_tokens` cuts on a piece boundary.
struct ReplyTokenCounter: Sendable, Equatable {
    private enum Kind: Sendable, Equatable { case none, word, single, punct, spaces, newlines }

    private var kind: Kind = .none
    private var spaceRun = 0
    /// Pieces begun so far (the last one may still grow).
    private(set) var count = 0

    /// Feeds the next scalar; true when it begins a new piece.
    mutating func begins(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value == 0x0A || value == 0x0D {
            switch kind {
            case .newlines, .spaces, .punct:
                kind = .newlines
                return false
            default:
                return open(.newlines)
            }
        }
        if scalar.properties.isWhitespace {
            if kind == .spaces {
                spaceRun += 1
                return false
            }
            spaceRun = 1
            return open(.spaces)
        }
        if value >= 0x2E80 || scalar.properties.numericType != nil {
            return open(.single)
        }
        let next: Kind = scalar.properties.isAlphabetic ? .word : .punct
        if kind == next, next == .word || next == .punct { return false }
        if kind == .spaces, spaceRun == 1 {
            // ` word`: the space opened the piece this word continues.
            kind = next
            return false
        }
        return open(next)
    }

    private mutating func open(_ next: Kind) -> Bool {
        kind = next
        count += 1
        return true
    }

    static func count(in text: String) -> Int {
        var counter = ReplyTokenCounter()
        for scalar in text.unicodeScalars { _ = counter.begins(scalar) }
        return counter.count
    }
}

/// `max_tokens` on streamed text: passes text through until the piece after the last allowed one
/// begins, and cuts there. The last allowed piece is relayed as it arrives (it may still grow in
/// the next chunk); the reply ends only when the next piece shows it is complete, or at the end.
struct TokenBudget: Sendable, Equatable {
    private let limit: Int?
    private var counter = ReplyTokenCounter()
    /// The limit was reached: nothing more passes.
    private(set) var exhausted = false

    /// `limit`: nil or 0 means none.
    init(limit: Int?) {
        self.limit = limit.flatMap { $0 > 0 ? $0 : nil }
    }

    var tokens: Int { counter.count }

    /// The part of `text` within the budget, and whether the budget ended the reply.
    mutating func take(_ text: String) -> (allowed: Substring, reachedLimit: Bool) {
        if exhausted { return ("", true) }
        guard let limit else {
            for scalar in text.unicodeScalars { _ = counter.begins(scalar) }
            return (text[...], false)
        }
        var index = text.unicodeScalars.startIndex
        while index < text.unicodeScalars.endIndex {
            let scalar = text.unicodeScalars[index]
            if counter.count >= limit {
                var probe = counter
                if probe.begins(scalar) {
                    exhausted = true
                    return (text[..<index], true)
                }
            }
            _ = counter.begins(scalar)
            index = text.unicodeScalars.index(after: index)
        }
        return (text[...], false)
    }
}
