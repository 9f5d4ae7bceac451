/// Token counts of prompts, estimated like replies' (`ReplyTokenCounter`'s pre-tokenizer pieces):
/// the runtime reports none, so every summary says `estimated: true`, and prompt and completion
/// counts come from the same rule.
enum TokenEstimate {
    /// The chat template adds about this many tokens around every message
    /// (`<|im_start|>role\n ... <|im_end|>\n`).
    static let perMessageOverhead = 4

    static func tokens(in text: String) -> Int { ReplyTokenCounter.count(in: text) }

    /// One message as the template renders it.
    static func message(_ text: String) -> Int { tokens(in: text) + perMessageOverhead }

    /// One message as planning against the context window counts it: an eighth more than
    /// `message`, because a rare word the real BPE splits counts once here, and overflowing the
    /// runtime's context costs a failed turn while dropping a turn early costs little.
    static func messageForBudget(_ text: String) -> Int {
        let tokens = message(text)
        return tokens + (tokens + 7) / 8
    }
}
