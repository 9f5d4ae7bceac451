/// How the emulator counts tokens of text it did not generate (prompts, system prompts):
/// `ceil(utf8 bytes / 4)`, at least 1 (the chat template always adds some). Generated replies count
/// exactly their tokens (see `ReplyGenerator`).
enum TokenCounter {
    static func count(_ text: String) -> Int {
        max(1, (text.utf8.count + 3) / 4)
    }
}

/// The UTF-8 guard between decoded token groups and the text queue: it emits the longest complete prefix of
/// what it has seen and holds back an incomplete trailing character for the next group. A group that ends
/// inside a character therefore yields a shorter chunk, possibly `""`.
struct UTF8ChunkFilter: Sendable {
    private var pending: [UInt8] = []

    var hasPendingBytes: Bool { !pending.isEmpty }

    mutating func push(_ bytes: [UInt8]) -> String {
        pending += bytes
        let cut = Self.completePrefixLength(pending)
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Ends the stream: an incomplete character still held back is dropped.
    mutating func finish() -> String {
        let text = String(decoding: pending[..<Self.completePrefixLength(pending)], as: UTF8.self)
        pending = []
        return text
    }

    /// Length of `bytes` without a trailing incomplete UTF-8 sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var index = bytes.count
        var continuation = 0
        while index > 0, continuation < 3, bytes[index - 1] & 0xC0 == 0x80 {
            index -= 1
            continuation += 1
        }
        guard index > 0 else { return bytes.count }
        let lead = bytes[index - 1]
        guard lead >= 0xC0 else { return bytes.count }
        let needed = ReplyGenerator.utf8SequenceLength(lead: lead)
        return continuation + 1 >= needed ? bytes.count : index - 1
    }
}

/// The runtime's global message queue: text pushed every 3 tokens and at the end of a generation,
/// drained (all of it, concatenated) by each `/api/generate_provider` poll.
struct TextQueue: Sendable {
    private var chunks: [String] = []
    /// Every push so far, including empty ones (for tests and inspection).
    private(set) var pushes = 0
    private(set) var emptyPushes = 0

    mutating func push(_ chunk: String) {
        chunks.append(chunk)
        pushes += 1
        if chunk.isEmpty { emptyPushes += 1 }
    }

    mutating func drain() -> String {
        defer { chunks.removeAll() }
        return chunks.joined()
    }

    var isEmpty: Bool { chunks.isEmpty }
}

/// The KV cache as the emulator models it: how many tokens it holds (system prompt + every prompt + every
/// reply since the last reset) and a digest of their content that seeds the next reply.
struct HeldConversation: Sendable {
    private(set) var tokens = 0
    private(set) var digest: UInt64 = 0
    /// The system prompt of the last reset (`nil` before the first one); its tools block asks
    /// for tool-call replies.
    private(set) var systemPrompt: String?

    mutating func reset(systemPrompt: String) {
        self.systemPrompt = systemPrompt
        var hasher = StableHasher()
        hasher.combine("system")
        hasher.combine(systemPrompt)
        digest = hasher.value
        tokens = TokenCounter.count(systemPrompt)
    }

    mutating func append(prompt: String, promptTokens: Int, reply: String, replyTokens: Int) {
        var hasher = StableHasher()
        hasher.combine(digest)
        hasher.combine("user")
        hasher.combine(prompt)
        hasher.combine("assistant")
        hasher.combine(reply)
        digest = hasher.value
        tokens += promptTokens + replyTokens
    }
}
