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

    /// What the pre-tokenizer sees in one scalar.
    enum Class: Sendable, Equatable { case newline, space, single, letter, punct }

    /// Feeds the next scalar; true when it begins a new piece.
    mutating func begins(_ scalar: Unicode.Scalar) -> Bool {
        begins(Self.classify(scalar))
    }

    /// Feeds the next scalar by its class; true when it begins a new piece.
    mutating func begins(_ scalarClass: Class) -> Bool {
        switch scalarClass {
        case .newline:
            switch kind {
            case .newlines, .spaces, .punct:
                kind = .newlines
                return false
            default:
                return open(.newlines)
            }
        case .space:
            if kind == .spaces {
                spaceRun += 1
                return false
            }
            spaceRun = 1
            return open(.spaces)
        case .single:
            return open(.single)
        case .letter:
            return continueOrOpen(.word)
        case .punct:
            return continueOrOpen(.punct)
        }
    }

    /// The class of `scalar`: ASCII from a table (nearly every reply is mostly ASCII, and asking
    /// for Unicode properties costs a lookup per character), anything else from its properties.
    static func classify(_ scalar: Unicode.Scalar) -> Class {
        let value = scalar.value
        guard value < 0x80 else { return classifyByProperties(scalar) }
        switch UInt8(truncatingIfNeeded: value) {
        case 0x0A, 0x0D: return .newline
        case 0x09, 0x0B, 0x0C, 0x20: return .space
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .single
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
        default: return .punct
        }
    }

    /// The general rule, for any scalar (`classify` agrees with it on ASCII: see the tests).
    static func classifyByProperties(_ scalar: Unicode.Scalar) -> Class {
        let value = scalar.value
        if value == 0x0A || value == 0x0D { return .newline }
        if scalar.properties.isWhitespace { return .space }
        if value >= 0x2E80 || scalar.properties.numericType != nil { return .single }
        return scalar.properties.isAlphabetic ? .letter : .punct
    }

    private mutating func continueOrOpen(_ next: Kind) -> Bool {
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
