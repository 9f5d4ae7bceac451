import XCTest
@testable import RuntimeBridge

final class ConversationPlannerTests: XCTestCase {
    private let planner = ConversationPlanner(defaultSystemPrompt: "Default system.", contextTokens: 2048)

    private func turns(_ list: [(ChatTurn.Role, String)]) -> [ChatTurn] {
        list.map { ChatTurn(role: $0.0, content: $0.1) }
    }

    private func held(_ list: [(ChatTurn.Role, String)], system: String = "Default system.",
                      incarnation: Int = 1) -> HeldConversation {
        HeldConversation(incarnation: incarnation, systemPrompt: system, turns: turns(list))
    }

    private func plan(_ messages: [(ChatTurn.Role, String)], held: HeldConversation?, incarnation: Int = 1) -> TurnPlan {
        planner.plan(.chat(turns(messages)), maxTokens: nil, held: held, incarnation: incarnation)
    }

    func testExtendingTheHeldConversationContinuesWithOnlyTheNewText() {
        let state = held([(.user, "hi"), (.assistant, "Hello!")])
        let result = plan([(.user, "hi"), (.assistant, "Hello!"), (.user, "tell me more")], held: state)
        XCTAssertNil(result.resetSystemPrompt)
        XCTAssertTrue(result.contextReused)
        XCTAssertEqual(result.prompt, "tell me more")
    }

    func testAnExplicitSystemPromptEqualToTheHeldOneStillExtends() {
        let state = held([(.user, "hi"), (.assistant, "Hello!")], system: "Be brief.")
        let result = plan([(.system, "Be brief."), (.user, "hi"), (.assistant, "Hello!"), (.user, "more")], held: state)
        XCTAssertTrue(result.contextReused)
    }

    func testAReplySentBackTrimmedStillExtends() {
        let state = held([(.user, "hi"), (.assistant, "Hello!\n")])
        XCTAssertTrue(plan([(.user, "hi"), (.assistant, "Hello!"), (.user, "more")], held: state).contextReused)
    }

    func testDivergedHistoryResetsWithTheHistoryInOnePrompt() {
        let state = held([(.user, "hey"), (.assistant, "Hello!")])
        let result = plan([(.user, "hi"), (.assistant, "Hello!"), (.user, "more")], held: state)
        XCTAssertEqual(result.resetSystemPrompt, "Default system.")
        XCTAssertFalse(result.contextReused)
        XCTAssertEqual(result.prompt, "Earlier in this conversation:\nUser: hi\nAssistant: Hello!\n\nNow answer:\nmore")
    }

    func testEditedHistoryResets() {
        let state = held([(.user, "q1"), (.assistant, "a1"), (.user, "q2"), (.assistant, "a2")])
        let edited = plan([(.user, "q1"), (.assistant, "a1 edited"), (.user, "q2"), (.assistant, "a2"), (.user, "q3")],
                          held: state)
        XCTAssertFalse(edited.contextReused)
        let skipped = plan([(.user, "q1"), (.assistant, "a1"), (.user, "q3")], held: state)
        XCTAssertFalse(skipped.contextReused, "a shorter history is not an extension")
        let twoNew = plan([(.user, "q1"), (.assistant, "a1"), (.user, "q2"), (.assistant, "a2"), (.user, "q3"),
                           (.user, "q4")], held: state)
        XCTAssertFalse(twoNew.contextReused, "exactly one new user message")
    }

    func testAChangedSystemPromptResets() {
        let state = held([(.user, "hi"), (.assistant, "Hello!")])
        let result = plan([(.system, "Be a pirate."), (.user, "hi"), (.assistant, "Hello!"), (.user, "more")],
                          held: state)
        XCTAssertEqual(result.resetSystemPrompt, "Be a pirate.")
        XCTAssertEqual(result.resetReason, "the system prompt changed")
    }

    func testANewIncarnationResets() {
        let state = held([(.user, "hi"), (.assistant, "Hello!")], incarnation: 1)
        let result = plan([(.user, "hi"), (.assistant, "Hello!"), (.user, "more")], held: state, incarnation: 2)
        XCTAssertFalse(result.contextReused)
        XCTAssertEqual(result.resetReason, "the runtime restarted (incarnation 2)")
    }

    func testNothingHeldResetsAndSendsAFirstMessageRaw() {
        let result = plan([(.user, "hi")], held: nil)
        XCTAssertEqual(result.resetSystemPrompt, "Default system.")
        XCTAssertEqual(result.prompt, "hi")
    }

    func testGenerateAlwaysResetsAndLeavesNothingToContinue() {
        let state = held([(.user, "hi"), (.assistant, "Hello!")])
        let result = planner.plan(.generate(prompt: "Write a haiku", system: nil), maxTokens: nil, held: state,
                                  incarnation: 1)
        XCTAssertEqual(result.resetSystemPrompt, "Default system.")
        XCTAssertEqual(result.prompt, "Write a haiku")
        XCTAssertNil(planner.held(after: result, reply: "Leaves fall", incarnation: 1))
        let custom = planner.plan(.generate(prompt: "x", system: "Custom."), maxTokens: nil, held: nil, incarnation: 1)
        XCTAssertEqual(custom.resetSystemPrompt, "Custom.")
    }

    func testTheHeldStateAfterAChatIsTheMessagesPlusTheReply() {
        let result = plan([(.user, "hi")], held: nil)
        let state = planner.held(after: result, reply: "Hello!", incarnation: 3)
        XCTAssertEqual(state, held([(.user, "hi"), (.assistant, "Hello!")], incarnation: 3))
    }

    func testOldTurnsAreDroppedToFitAndTheHistoryStartsWithAUser() {
        let small = ConversationPlanner(defaultSystemPrompt: "S", contextTokens: 200)
        let long = String(repeating: "word ", count: 90)  // 90 tokens
        let messages = turns([(.user, "first " + long), (.assistant, long), (.user, "second"), (.assistant, "ok"),
                              (.user, "third?")])
        let result = small.plan(.chat(messages), maxTokens: 20, held: nil, incarnation: 1)
        XCTAssertEqual(result.droppedTurns, 2)
        XCTAssertEqual(result.prompt, "Earlier in this conversation:\nUser: second\nAssistant: ok\n\nNow answer:\nthird?")
    }

    func testReplanAfterContextFull() {
        let state = held([(.user, "q1"), (.assistant, "a1")])
        let continued = plan([(.user, "q1"), (.assistant, "a1"), (.user, "q2")], held: state)
        let retry = planner.replan(afterContextFull: continued, maxTokens: nil)
        XCTAssertEqual(retry?.resetSystemPrompt, "Default system.", "a continuation that overflowed starts afresh")

        let single = plan([(.user, "only")], held: nil)
        XCTAssertNil(planner.replan(afterContextFull: single, maxTokens: nil), "nothing left to drop")
        let generate = planner.plan(.generate(prompt: "p", system: nil), maxTokens: nil, held: nil, incarnation: 1)
        XCTAssertNil(planner.replan(afterContextFull: generate, maxTokens: nil))
    }

    func testPromptsAreCountedLikeReplies() {
        XCTAssertEqual(TokenEstimate.tokens(in: ""), 0)
        XCTAssertEqual(TokenEstimate.tokens(in: "Hello, world."), 4, "Hello | , | ␣world | .")
        XCTAssertEqual(TokenEstimate.tokens(in: "日本語"), 3)
        for text in ["Hello, world.", "The year 2024 ended.\n\nNext:", "日本語 and English"] {
            XCTAssertEqual(TokenEstimate.tokens(in: text), ReplyTokenCounter.count(in: text), text)
        }
        XCTAssertEqual(TokenEstimate.message("Hello, world."), 4 + TokenEstimate.perMessageOverhead)
        XCTAssertGreaterThan(TokenEstimate.messageForBudget("Hello, world."), TokenEstimate.message("Hello, world."),
                             "planning against the context counts with a margin")
    }
}
