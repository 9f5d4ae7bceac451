import XCTest
@testable import AXLLMEmulator

/// Held context, the SetKVCache error, the max_token_len cut and stop semantics.
final class GenerationLimitsTests: XCTestCase {
    func testHeldContextGrowsWithEachTurnUntilReset() {
        let harness = EngineHarness { $0.replyTokens = 10 }
        harness.resetAndSettle(#"{"system_prompt": "12345678"}"#)
        XCTAssertEqual(harness.engine.conversation.tokens, 2)
        _ = harness.reply(prompt: "abcdefgh")  // 2 prompt tokens + 14 reply tokens
        XCTAssertEqual(harness.engine.conversation.tokens, 18)
        _ = harness.reply(prompt: "abcd")
        XCTAssertEqual(harness.engine.conversation.tokens, 33)
        harness.resetAndSettle(#"{"system_prompt": "12345678"}"#)
        XCTAssertEqual(harness.engine.conversation.tokens, 2)
    }

    func testFullContextQueuesTheVendorErrorAndEnds() {
        let harness = EngineHarness { $0.contextTokens = 64 }
        harness.resetAndSettle()  // default system prompt: 17 tokens
        let held = harness.engine.conversation.tokens
        XCTAssertEqual(harness.generate(prompt: String(repeating: "x", count: 4 * (64 - held + 1))).status, 200)
        let chunks = harness.pollUntilDone()
        XCTAssertEqual(chunks.joined(), "error: SetKVCache failed: %d,the context may be full,please reset")
        XCTAssertEqual(harness.engine.conversation.tokens, held, "nothing was added")
        XCTAssertEqual(harness.engine.log.generations.last?.outcome, .contextFull)
        // A prompt that fits exactly is accepted.
        _ = harness.reply(prompt: String(repeating: "x", count: 4 * (64 - held)))
        XCTAssertEqual(harness.engine.log.generations.last?.outcome, .eos)
        XCTAssertEqual(harness.engine.conversation.tokens, 64 + (harness.engine.log.generations.last?.tokens ?? 0))
    }

    func testOutputIsCutSilentlyAtMaxTokenLen() {
        let harness = EngineHarness {
            $0.contextTokens = 100
            $0.maxTokenLengthOverride = 130
            $0.replyTokens = 500
        }
        harness.resetAndSettle(#"{"system_prompt": "abcd"}"#)  // 1 token
        let text = harness.reply(prompt: "abcd")  // 1 token
        let generation = harness.engine.log.generations.last
        XCTAssertEqual(generation?.tokens, 128)
        XCTAssertEqual(generation?.outcome, .cut)
        XCTAssertEqual(text, generation?.text)
        XCTAssertEqual(harness.engine.conversation.tokens, 130)
        XCTAssertFalse(harness.console.stdout.contains("hit eos"), "no EOS when cut")
    }

    func testStopEndsTheGenerationWithWhatWasProduced() {
        let harness = EngineHarness { $0.replyTokens = 100 }
        harness.resetAndSettle()
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
        harness.clock.advance(milliseconds: 5 + 15 + 9)  // 10 tokens
        XCTAssertEqual(harness.request("GET", "/api/stop"), .json(200, #"{"status": "ok"}"#))
        XCTAssertTrue(harness.engine.isBusy, "honoured at the next token")
        harness.clock.advance(milliseconds: 1)
        XCTAssertFalse(harness.engine.isBusy)
        let generation = harness.engine.log.generations.last
        XCTAssertEqual(generation?.outcome, .stopped)
        XCTAssertEqual(generation?.tokens, 10)
        XCTAssertEqual(harness.pollUntilDone().joined(), generation?.text)
        XCTAssertTrue(generation?.text.hasPrefix(ReplyGenerator.thinkPrefix) ?? false)
    }

    func testStopDuringPrefillEndsAtOnce() {
        let harness = EngineHarness()
        harness.resetAndSettle()
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
        harness.clock.advance(milliseconds: 6)
        XCTAssertEqual(harness.engine.phase, .prefill)
        harness.request("GET", "/api/stop")
        XCTAssertFalse(harness.engine.isBusy)
        XCTAssertEqual(harness.engine.log.generations.last?.tokens, 0)
    }

    func testStopWhileIdleOrQueuedIsLost() {
        let harness = EngineHarness { $0.replyTokens = 20 }
        harness.resetAndSettle()
        harness.request("GET", "/api/stop")  // idle: lost
        _ = harness.reply(prompt: "one")
        XCTAssertEqual(harness.engine.log.generations.last?.outcome, .eos)

        XCTAssertEqual(harness.generate(prompt: "two").status, 200)
        harness.request("GET", "/api/stop")  // accepted but not started: lost as well
        _ = harness.pollUntilDone()
        XCTAssertEqual(harness.engine.log.generations.last?.outcome, .eos)
        XCTAssertEqual(harness.engine.log.generations.last?.tokens, 24)
        XCTAssertEqual(harness.engine.log.stops, 2)
    }

    func testCrashFaultFiresAfterTheTotalTokenCount() {
        let harness = EngineHarness {
            $0.replyTokens = 6  // 10 tokens per reply
            $0.crashAfterTokens = 15
        }
        harness.resetAndSettle()
        _ = harness.reply(prompt: "one")
        XCTAssertEqual(harness.crashRecorder.crashes, [])
        XCTAssertEqual(harness.generate(prompt: "two").status, 200)
        harness.clock.advance(milliseconds: 1000)
        XCTAssertEqual(harness.crashRecorder.crashes, [15])
        XCTAssertEqual(harness.engine.totalGeneratedTokens, 15)
        XCTAssertEqual(harness.engine.phase, .crashed)
        XCTAssertEqual(harness.engine.log.generations.last?.outcome, .crashed)
    }

    func testHangFaultStallsForeverAndIgnoresStop() {
        let harness = EngineHarness {
            $0.replyTokens = 40
            $0.hangAfterTokens = 7
        }
        harness.resetAndSettle()
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
        harness.clock.advance(milliseconds: 1000)
        XCTAssertEqual(harness.engine.phase, .hung)
        XCTAssertEqual(harness.engine.totalGeneratedTokens, 7)
        _ = harness.poll()  // drains the text produced before the hang
        harness.request("GET", "/api/stop")
        harness.clock.advance(milliseconds: 60_000)
        XCTAssertEqual(harness.poll().response, "")
        XCTAssertEqual(harness.poll().done, false)
        XCTAssertEqual(harness.generate(prompt: "again").body, #"{"error": "llm is running"}"#)
        XCTAssertEqual(harness.reset().body, #"{"error": "llm is running"}"#)
        XCTAssertEqual(harness.clock.pendingTimers, 0, "nothing is scheduled any more")
    }
}
