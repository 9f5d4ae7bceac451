/// How one request will use the runtime: continue the held conversation or reset, and what text
/// to send.
struct TurnPlan: Sendable, Equatable {
    /// Reset with this system prompt first; nil: continue the held conversation.
    var resetSystemPrompt: String?
    /// Why a reset is needed, for the log.
    var resetReason: String?
    /// The text for `/api/generate`: raw user text, or a `HistoryPrompt`.
    var prompt: String
    var systemPrompt: String
    /// The logical conversation the reply answers (chat only; empty for generate).
    var dialog: [ChatTurn]
    var isChat: Bool
    /// Earlier turns left out to fit the context.
    var droppedTurns: Int
    /// Estimated tokens of everything the reply is conditioned on.
    var promptTokens: Int

    var contextReused: Bool { resetSystemPrompt == nil }
}

/// Decides between continuing the runtime's conversation and resetting (see `HeldConversation`),
/// and builds the prompt. Pure: the session applies the plan.
struct ConversationPlanner: Sendable {
    var defaultSystemPrompt: String
    var contextTokens: Int

    /// The plan for `job` given what the runtime holds (nil: unknown or not continuable).
    func plan(_ job: GenerationRequest.Job, maxTokens: Int?, held: HeldConversation?, incarnation: Int) -> TurnPlan {
        switch job {
        case let .generate(prompt, system):
            let system = effectiveSystem(system)
            return TurnPlan(resetSystemPrompt: system, resetReason: "generate is stateless", prompt: prompt,
                            systemPrompt: system, dialog: [], isChat: false, droppedTurns: 0,
                            promptTokens: TokenEstimate.message(system) + TokenEstimate.message(prompt))
        case let .chat(messages):
            let (system, dialog) = split(messages)
            if let held, held.isExtended(by: dialog, systemPrompt: system, incarnation: incarnation),
               let last = dialog.last {
                return TurnPlan(resetSystemPrompt: nil, resetReason: nil, prompt: last.content, systemPrompt: system,
                                dialog: dialog, isChat: true, droppedTurns: 0,
                                promptTokens: Self.conversationTokens(system: system, dialog: dialog))
            }
            let reason = resetReason(held: held, system: system, incarnation: incarnation)
            return resetPlan(system: system, dialog: dialog, budget: budget(maxTokens: maxTokens), reason: reason)
        }
    }

    /// After the runtime reported a full context: a reset plan with fewer old turns, or nil when
    /// nothing more can be dropped (the caller then fails with `contextFull`).
    func replan(afterContextFull failed: TurnPlan, maxTokens: Int?) -> TurnPlan? {
        guard failed.isChat, !failed.dialog.isEmpty else { return nil }
        // Continuing failed: a fresh start with the history that fits. A reset already failed:
        // the estimate was too optimistic, so aim for half of it.
        let full = budget(maxTokens: maxTokens)
        let budget = failed.contextReused ? full : full / 2
        let retry = resetPlan(system: failed.systemPrompt, dialog: failed.dialog, budget: budget,
                              reason: "the context was full")
        if !failed.contextReused, retry.prompt == failed.prompt { return nil }
        return retry
    }

    /// What the runtime holds after `plan` produced `reply` and ended by itself; nil when the
    /// state is not one a later chat turn may continue (a generate is stateless by contract).
    func held(after plan: TurnPlan, reply: String, incarnation: Int) -> HeldConversation? {
        guard plan.isChat else { return nil }
        return HeldConversation(incarnation: incarnation, systemPrompt: plan.systemPrompt,
                                turns: plan.dialog + [ChatTurn(role: .assistant, content: reply)])
    }

    /// The tokens a new conversation may use for the system prompt and the prompt, leaving room
    /// for the reply (at most a quarter of the context).
    func budget(maxTokens: Int?) -> Int {
        let reserve = min(maxTokens ?? 256, contextTokens / 4)
        return max(1, contextTokens - reserve)
    }

    /// System messages (joined, in order) and the rest. An empty system prompt means the model's.
    func split(_ messages: [ChatTurn]) -> (system: String, dialog: [ChatTurn]) {
        let systems = messages.filter { $0.role == .system }.map(\.content)
        let dialog = messages.filter { $0.role != .system }
        return (effectiveSystem(systems.isEmpty ? nil : systems.joined(separator: "\n\n")), dialog)
    }

    private func effectiveSystem(_ system: String?) -> String {
        guard let system, system.contains(where: { !$0.isWhitespace }) else { return defaultSystemPrompt }
        return system
    }

    private func resetPlan(system: String, dialog: [ChatTurn], budget: Int, reason: String) -> TurnPlan {
        let systemTokens = TokenEstimate.message(system)
        let (prompt, dropped) = HistoryPrompt.fitting(dialog, budget: budget,
                                                      fixedTokens: TokenEstimate.messageForBudget(system))
        return TurnPlan(resetSystemPrompt: system, resetReason: reason, prompt: prompt, systemPrompt: system,
                        dialog: dialog, isChat: true, droppedTurns: dropped,
                        promptTokens: systemTokens + TokenEstimate.message(prompt))
    }

    private func resetReason(held: HeldConversation?, system: String, incarnation: Int) -> String {
        guard let held else { return "no continuable conversation is held (startup, generate, or an unfinished reply)" }
        if held.incarnation != incarnation { return "the runtime restarted (incarnation \(incarnation))" }
        if held.systemPrompt != system { return "the system prompt changed" }
        return "the messages do not extend the held conversation"
    }

    static func conversationTokens(system: String, dialog: [ChatTurn]) -> Int {
        dialog.reduce(TokenEstimate.message(system)) { $0 + TokenEstimate.message($1.content) }
    }
}
