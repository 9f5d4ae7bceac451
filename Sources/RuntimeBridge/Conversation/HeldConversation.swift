/// What the runtime's KV cache holds, as far as the bridge knows: the conversation a chat turn
/// may continue without a reset.
///
/// `turns` is the logical conversation (user and assistant turns, no system messages) the cache
/// stands for, ending with the assistant reply exactly as the client received it: after the think
/// prefix was stripped. Only replies that ended by themselves are recorded (a reply cut by a stop
/// sequence, `max_tokens`, a deadline, a cancellation or an error leaves the cache holding text
/// the client never saw, or a half-finished turn), so "as received" and "as generated" agree.
/// After a reset that carried earlier turns in one prompt, the cache holds that prompt rather
/// than the separate turns; the logical conversation is recorded, which the model has seen.
struct HeldConversation: Sendable, Equatable {
    /// The runtime process this state lives in; a restart empties the cache.
    var incarnation: Int
    var systemPrompt: String
    var turns: [ChatTurn]

    init(incarnation: Int, systemPrompt: String, turns: [ChatTurn]) {
        self.incarnation = incarnation
        self.systemPrompt = systemPrompt
        self.turns = turns
    }

    /// True when `dialog` is this conversation plus exactly one new user message.
    func isExtended(by dialog: [ChatTurn], systemPrompt: String, incarnation: Int) -> Bool {
        guard incarnation == self.incarnation, systemPrompt == self.systemPrompt,
              dialog.count == turns.count + 1, dialog.last?.role == .user else { return false }
        return zip(turns, dialog).allSatisfy(Self.sameTurn)
    }

    /// Clients often trim the reply before sending it back; the cache holds the same words, so
    /// surrounding whitespace of assistant turns is not a divergence.
    private static func sameTurn(_ held: ChatTurn, _ sent: ChatTurn) -> Bool {
        guard held.role == sent.role else { return false }
        if held.content == sent.content { return true }
        return held.role == .assistant && trimmed(held.content) == trimmed(sent.content)
    }
}

private func trimmed(_ text: String) -> Substring {
    var view = Substring(text)
    while view.first?.isWhitespace == true { view.removeFirst() }
    while view.last?.isWhitespace == true { view.removeLast() }
    return view
}
