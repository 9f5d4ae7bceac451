/// The single prompt that replays earlier turns after a reset. The runtime keeps the
/// conversation in its KV cache and its tokenizer service applies the chat template, so the
/// bridge can only send raw user text (never ChatML): earlier turns are written out as plain text.
///
/// Format (no earlier turns: the last user text alone, unchanged):
///
///     Earlier in this conversation:
///     User: <text>
///     Assistant: <text>
///     ...
///
///     Now answer:
///     <last user text>
enum HistoryPrompt {
    static let header = "Earlier in this conversation:\n"
    static let footer = "\nNow answer:\n"

    static func render(earlier: ArraySlice<ChatTurn>, last: String) -> String {
        guard !earlier.isEmpty else { return last }
        var text = header
        for turn in earlier {
            text += turn.role == .assistant ? "Assistant: " : "User: "
            text += turn.content
            text += "\n"
        }
        return text + footer + last
    }

    /// The prompt for `dialog` (ending with the user's message) that fits `budget` tokens
    /// together with `fixedTokens` (the system prompt), dropping the oldest turns first and
    /// never starting the history with an assistant turn. Returns how many turns were dropped.
    /// The last user message is always kept, even if it alone does not fit.
    static func fitting(_ dialog: [ChatTurn], budget: Int, fixedTokens: Int) -> (prompt: String, dropped: Int) {
        guard let last = dialog.last else { return ("", 0) }
        let earlier = dialog.dropLast()
        var start = earlier.startIndex
        while true {
            let prompt = render(earlier: earlier[start...], last: last.content)
            if start == earlier.endIndex || fixedTokens + TokenEstimate.messageForBudget(prompt) <= budget {
                return (prompt, start - earlier.startIndex)
            }
            start += 1
            while start < earlier.endIndex, earlier[start].role == .assistant { start += 1 }
        }
    }
}
