/// The text path from the runtime's raw chunks to what a client sees: strips the think prefix,
/// enforces stop sequences and `max_tokens`, and keeps the runtime's context-full message out of
/// the reply. Relays in the order the runtime produced; holds back only what the stop-sequence and
/// think-prefix checks still need to decide.
struct ReplyFilter {
    /// The runtime pushes `error: SetKVCache failed: %d,the context may be full,please reset` into
    /// the text queue as one piece, so it arrives whole within one poll.
    static let contextFullMarker = "error: SetKVCache failed"

    /// What ended the reply early.
    enum Event: Equatable { case stopSequence, length, contextFull }

    private var stripper = ThinkPrefixStripper()
    private var cutter: StopSequenceCutter
    private let maxTokens: Int?
    private(set) var tokens = TokenEstimate()
    /// Everything relayed so far.
    private(set) var reply = ""

    /// `maxTokens`: nil or 0 means no limit.
    init(stops: [String], maxTokens: Int?) {
        cutter = StopSequenceCutter(stops: stops)
        self.maxTokens = maxTokens.flatMap { $0 > 0 ? $0 : nil }
    }

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
        let (safe, matched) = cutter.feed(text)
        if !safe.isEmpty { record(safe, deliver: deliver) }
        if matched { return .stopSequence }
        if let maxTokens, tokens.tokens >= maxTokens { return .length }
        return nil
    }

    private mutating func record(_ text: String, deliver: (String) -> Void) {
        reply += text
        tokens.add(text)
        deliver(text)
    }
}
