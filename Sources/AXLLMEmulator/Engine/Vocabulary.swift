/// The fixed word list replies are drawn from. Non-ASCII words (2-, 3- and 4-byte UTF-8) make replies exercise
/// a client's UTF-8 handling: they are split into byte-level tokens (see `ReplyGenerator.tokens(of:)`).
enum Vocabulary {
    static let asciiWords: [String] = [
        "the", "a", "model", "answer", "is", "that", "runtime", "token", "stream", "of", "and", "to",
        "in", "context", "simple", "question", "we", "can", "see", "it", "works", "with", "each", "step",
        "first", "then", "finally", "because", "value", "result", "small", "fast", "board", "card", "memory",
        "prompt", "reply", "here", "this", "example", "shows", "how", "data", "flows", "through", "layers",
        "cache", "holds", "state", "between", "turns", "so", "only", "new", "text", "needs", "prefill",
    ]

    static let nonASCIIWords: [String] = [
        "naïve", "über", "café", "façade", "señor", "日本", "東京", "こんにちは", "Ελλάδα", "Привет", "🙂", "🚀",
    ]

    /// One in `nonASCIIOneIn` words is non-ASCII.
    static let nonASCIIOneIn = 7
}
