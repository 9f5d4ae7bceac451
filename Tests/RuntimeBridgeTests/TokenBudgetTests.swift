import XCTest
@testable import RuntimeBridge

/// `max_tokens` is exact in the tokens delivered: the cut falls on a token boundary inside the
/// runtime's 3-token chunk, and counts and rates agree with the runtime's own timing.
final class TokenBudgetTests: XCTestCase {
    func testPiecesFollowTheTokenizersPreTokenizer() {
        XCTAssertEqual(ReplyTokenCounter.count(in: "Hello world"), 2)
        XCTAssertEqual(ReplyTokenCounter.count(in: " the quick brown fox."), 5)
        XCTAssertEqual(ReplyTokenCounter.count(in: "It costs 42 dollars"), 6, "digits one by one, the space alone")
        XCTAssertEqual(ReplyTokenCounter.count(in: "line\n\nnext"), 3)
        XCTAssertEqual(ReplyTokenCounter.count(in: "你好"), 2)
    }

    func testTheCutFallsOnATokenBoundaryAcrossChunks() {
        var budget = TokenBudget(limit: 4)
        XCTAssertEqual(budget.take(" one two").allowed, " one two")
        let second = budget.take(" thr")
        XCTAssertEqual(second.allowed, " thr")
        XCTAssertFalse(second.reachedLimit)
        let third = budget.take("ee four five")
        XCTAssertEqual(third.allowed, "ee four", "the fourth token may grow until the fifth begins")
        XCTAssertTrue(third.reachedLimit)
        XCTAssertEqual(budget.tokens, 4)
        XCTAssertEqual(budget.take(" six").allowed, "")
    }

    func testTheFilterCutsLengthAndStopSequencesInOrder() {
        var filter = ReplyFilter(stops: ["END"], maxTokens: 3)
        var out = ""
        XCTAssertNil(filter.absorb("<think>\n\n</think>", deliver: { out += $0 }))
        XCTAssertNil(filter.absorb("\n\n Alpha beta", deliver: { out += $0 }))
        XCTAssertEqual(filter.absorb(" gamma delta", deliver: { out += $0 }), .length)
        XCTAssertEqual(out, "Alpha beta gamma")
        XCTAssertTrue(filter.strippedThinkPrefix)

        var stopped = ReplyFilter(stops: ["END"], maxTokens: 10)
        out = ""
        XCTAssertEqual(stopped.absorb("one two END three", deliver: { out += $0 }), .stopSequence)
        XCTAssertEqual(out, "one two ")
    }

    func testTheDecodeRateUsesTheRuntimesGenerationTime() {
        // 4.5 tokens/s: a reply of 20 tokens after the 4-token think prefix, first chunk after
        // token 3, end seen at the end-of-sequence step (token 25).
        let interval = Duration.milliseconds(1000.0 / 4.5)
        let start = ContinuousClock.now
        var result = RuntimeSession.Result(end: .finished(.stop))
        result.completionTokens = 20
        result.timeline.strippedThinkPrefix = true
        result.timeline.firstChunkAt = start + interval * 3
        result.timeline.lastChunkAt = start + interval * 24
        result.timeline.endSeenAt = start + interval * 25
        let rate = DecodeRate(result, finishReason: .stop)
        XCTAssertEqual(rate.tokensPerSecond, 4.5, accuracy: 0.01)
        XCTAssertEqual(rate.milliseconds(forCompletionTokens: 20) / 1000, 20 / 4.5, accuracy: 0.01,
                       "eval_count / eval_duration is the same rate")
    }
}
