/// The text path from the runtime's raw chunks to what a client sees: strips the think prefix,
/// enforces `max_tokens` (cut on a token boundary, not at the end of the 3-token chunk) and stop
/// sequences, and keeps the runtime's context-full line out of the reply. Relays in the order the
/// runtime produced; holds back only what the stop-sequence and think-prefix checks still need.
struct ReplyFilter {
    /// The runtime pushes `error: SetKVCache failed: %d,the context may be full,please reset` into
    /// the text queue as one piece, so it arrives whole within one poll.
    static let contextFullMarker = "error: SetKVCache failed"

    /// What ended the reply early.
    enum Event: Equatable { case stopSequence, length, contextFull }

    private var stripper = ThinkPrefixStripper()
    private var budget: TokenBudget
    private var cutter: StopSequenceCutter
    /// Everything relayed so far.
    private(set) var reply = ""

    /// `maxTokens`: nil or 0 means no limit.
    init(stops: [String], maxTokens: Int?) {
        cutter = StopSequenceCutter(stops: stops)
        budget = TokenBudget(limit: maxTokens)
    }

    /// Tokens of the reply so far (estimated: see `ReplyTokenCounter`).
    var tokens: Int { budget.tokens }

    /// The reply began with the model's empty think block (4 tokens the client never sees).
    var strippedThinkPrefix: Bool { stripper.stripped }

    /// Takes one chunk as polled; `deliver` receives each non-empty piece to relay.
    mutating func absorb(_ raw: String, deliver: (String) -> Void) -> Event? {
        if raw.contains(Self.contextFullMarker) { return .contextFull }
        return push(stripper.feed(raw), deliver: deliver)
    }

    /// The runtime finished: relay what was held back for a decision that never came.
    mutating func finish(deliver: (String) -> Void) -> Event? {
        if let event = push(stripper.finish(), deliver: deliver) { return event }
        let rest = cutter.finish()
        if !rest.isEmpty { record(rest, deliver: deliver) }
        return nil
    }

    private mutating func push(_ text: String, deliver: (String) -> Void) -> Event? {
        guard !text.isEmpty else { return nil }
        let (allowed, reachedLimit) = budget.take(text)
        let (safe, matched) = cutter.feed(String(allowed))
        if !safe.isEmpty { record(safe, deliver: deliver) }
        if matched { return .stopSequence }
        guard reachedLimit else { return nil }
        // Nothing follows the cut: a tail held back as a possible stop sequence was plain text.
        let rest = cutter.finish()
        if !rest.isEmpty { record(rest, deliver: deliver) }
        return .length
    }

    private mutating func record(_ text: String, deliver: (String) -> Void) {
        reply += text
        deliver(text)
    }
}
