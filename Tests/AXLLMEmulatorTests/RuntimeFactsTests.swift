import XCTest
@testable import AXLLMEmulator

/// Runtime facts 3-6 of runtime-protocol.md ("The worker's concurrency"): the global text queue, the stop
/// flag cleared by `Run()`, the dropped partial group after a stop, the order and switching of sampling
/// keys, and the think prefix; plus the per-generation records that tests match replies against.
final class RuntimeFactsTests: XCTestCase {
    func testLeftoverTextComesOutOnTheNextPollWhoeverPolls() throws {
        let harness = EngineHarness { $0.replyTokens = 5 }
        harness.resetAndSettle()
        XCTAssertEqual(harness.generate(prompt: "one").status, 200)
        harness.clock.advance(milliseconds: 100)  // runs to the end; nobody polls
        let first = try XCTUnwrap(harness.engine.log.generations.last)
        XCTAssertEqual(first.outcome, .eos)
        XCTAssertEqual(harness.generate(prompt: "two").status, 200)
        harness.clock.advance(milliseconds: 5)  // "two" starts (prefill, nothing of its own queued yet)
        let poll = harness.poll()
        XCTAssertEqual(poll.done, false)
        XCTAssertEqual(poll.response, first.queuedText, "the earlier generation's text comes first")
        let rest = harness.pollUntilDone().joined()
        XCTAssertEqual(rest, harness.engine.log.generations.last?.queuedText)
        XCTAssertTrue(rest.hasPrefix(ReplyGenerator.thinkPrefix), "every generation starts with the think prefix")
    }

    func testStopBeforeTheRunStartsIsLost() throws {
        let harness = EngineHarness { $0.replyTokens = 6 }
        XCTAssertEqual(harness.reset().status, 200)
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
        harness.clock.advance(milliseconds: 5)  // the reset runs, the generate waits behind it
        harness.request("GET", "/api/stop")
        XCTAssertEqual(harness.state()["stop_flag"] as? Bool, true)
        harness.clock.advance(milliseconds: 50)  // reset done: the generation starts and clears the flag
        XCTAssertEqual(harness.state()["stop_flag"] as? Bool, false)
        _ = harness.pollUntilDone()
        let generation = try XCTUnwrap(harness.engine.log.generations.last)
        XCTAssertEqual(generation.outcome, .eos)
        XCTAssertFalse(generation.stopReceived)
        XCTAssertEqual(generation.tokens, 10)
    }

    func testStopDropsThePartialTokenGroup() throws {
        let harness = EngineHarness { $0.replyTokens = 100 }
        harness.resetAndSettle()
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
        harness.clock.advance(milliseconds: 5 + 15 + 4)  // 5 tokens: one group of 3 queued, 2 pending
        XCTAssertEqual(harness.engine.generation?.produced, 5)
        harness.request("GET", "/api/stop")
        harness.clock.advance(milliseconds: 1)
        let generation = try XCTUnwrap(harness.engine.log.generations.last)
        XCTAssertEqual(generation.outcome, .stopped)
        XCTAssertTrue(generation.stopReceived)
        XCTAssertEqual(generation.tokens, 5)
        XCTAssertEqual(generation.tokenByteLengths.count, 5, "the KV holds 5 tokens")
        XCTAssertEqual(generation.queuedText, "<think>\n\n</think>", "tokens 4 and 5 were never queued")
        XCTAssertEqual(harness.pollUntilDone().joined(), "<think>\n\n</think>")
    }

    func testEOSStillFlushesThePartialGroup() throws {
        let harness = EngineHarness { $0.replyTokens = 1 }  // 5 tokens: a group of 3, then 2 at EOS
        harness.resetAndSettle()
        let text = harness.reply(prompt: "hi")
        let generation = try XCTUnwrap(harness.engine.log.generations.last)
        XCTAssertEqual(generation.outcome, .eos)
        XCTAssertEqual(generation.tokenByteLengths.count, 5)
        XCTAssertEqual(text, generation.queuedText)
        XCTAssertEqual(text.utf8.count, generation.tokenByteLengths.reduce(0, +))
    }

    func testSamplingKeysApplyInOrderAndSwitchEachOther() throws {
        let harness = EngineHarness()
        var sampling = harness.engine.sampling
        XCTAssertFalse(sampling.temperatureEnabled, "Qwen3-4B's post_config.json has temperature off")
        XCTAssertEqual(sampling.temperature, 0.9)
        XCTAssertFalse(sampling.repetitionPenaltyEnabled)
        XCTAssertFalse(sampling.topPEnabled)
        XCTAssertEqual(sampling.mode, .greedy)

        // top-p then top-k in one request: top-k is applied last and switches top-p off.
        harness.generate(#"{"prompt": "a", "top-p": 0.7, "top-k": 5}"#)
        XCTAssertEqual(harness.engine.sampling.mode, .topK)
        // A top-k of 0 switches top-k off, and its key had already switched top-p off: argmax.
        harness.generate(#"{"prompt": "b", "top-p": 0.7, "top-k": 0}"#)
        XCTAssertEqual(harness.engine.sampling.mode, .argmax)
        // Any top-p key switches top-k off, sticky across requests.
        harness.generate(#"{"prompt": "c", "top-k": 40}"#)
        harness.generate(#"{"prompt": "d", "top-p": 0.5}"#)
        sampling = harness.engine.sampling
        XCTAssertEqual(sampling.mode, .topP)
        XCTAssertFalse(sampling.topKEnabled)
        XCTAssertEqual(sampling.topK, 40, "the value stays, only the switch moves")
        // top-p <= 0 switches top-p off (and top-k stays off).
        harness.generate(#"{"prompt": "e", "top-p": 0}"#)
        XCTAssertEqual(harness.engine.sampling.mode, .argmax)
        // temperature <= 0 off; a penalty <= 1.0001 is skipped, so once on it stays on.
        harness.generate(#"{"prompt": "f", "temperature": 0.7, "repetition_penalty": 1.3}"#)
        harness.generate(#"{"prompt": "g", "temperature": 0, "repetition_penalty": 1.0}"#)
        sampling = harness.engine.sampling
        XCTAssertFalse(sampling.temperatureEnabled)
        XCTAssertTrue(sampling.repetitionPenaltyEnabled)
        XCTAssertEqual(sampling.repetitionPenalty, 1.3)
        harness.generate(#"{"prompt": "h", "repetition_penalty": 1.00005}"#)
        XCTAssertEqual(harness.engine.sampling.repetitionPenalty, 1.3)

        let encoded = try XCTUnwrap(harness.state()["sampling"] as? [String: Any])
        XCTAssertEqual(encoded["temperature_enabled"] as? Bool, false)
        XCTAssertEqual(encoded["repetition_penalty_enabled"] as? Bool, true)
        XCTAssertEqual(encoded["mode"] as? String, "argmax")
    }

    func testGenerationRecords() throws {
        let harness = EngineHarness { $0.replyTokens = 6 }
        harness.resetAndSettle(#"{"system_prompt": "Be terse."}"#)
        _ = harness.reply(to: #"{"prompt": "first", "temperature": 0.5, "top-p": 0.8}"#)
        harness.request("POST", "/__emulator/reset-state")

        // Queued back to back: the first starts with the sampling the second request left behind.
        XCTAssertEqual(harness.generate(#"{"prompt": "second", "top-k": 1}"#).status, 200)
        XCTAssertEqual(harness.generate(#"{"prompt": "third", "top-k": 7}"#).status, 200)
        harness.clock.advance(milliseconds: 5 + 15 + 2)
        harness.request("GET", "/api/stop")  // stops "second" after 3 tokens
        _ = harness.pollUntilDone()
        harness.clock.advance(milliseconds: 100)
        _ = harness.poll()

        let generations = try XCTUnwrap(harness.state()["generations"] as? [[String: Any]])
        XCTAssertEqual(generations.map { $0["prompt"] as? String }, ["second", "third"])
        XCTAssertEqual(generations.map { $0["id"] as? Int }, [2, 3], "ids count from start-up, not from reset-state")
        let second = generations[0], third = generations[1]
        XCTAssertEqual(second["system_prompt"] as? String, "Be terse.")
        XCTAssertEqual((second["sampling"] as? [String: Any])?["top_k"] as? Int, 7)
        XCTAssertEqual((second["sampling"] as? [String: Any])?["temperature_enabled"] as? Bool, true)
        XCTAssertEqual(second["stop_received"] as? Bool, true)
        XCTAssertEqual(second["outcome"] as? String, "stopped")
        XCTAssertEqual(third["stop_received"] as? Bool, false)
        XCTAssertEqual(third["outcome"] as? String, "eos")
        let lengths = try XCTUnwrap(third["token_byte_lengths"] as? [Int])
        XCTAssertEqual(lengths.count, 10)
        XCTAssertEqual(Array(lengths.prefix(4)), [7, 2, 8, 2], "the think-prefix tokens")
        let queued = try XCTUnwrap(third["queued_text"] as? String)
        XCTAssertEqual(queued, third["text"] as? String)
        XCTAssertEqual(queued.utf8.count, lengths.reduce(0, +))
        XCTAssertEqual(harness.state()["last_generation_id"] as? Int, 3)
    }

    func testChatRecordsQueueNothing() throws {
        let harness = EngineHarness { $0.replyTokens = 4 }
        harness.resetAndSettle()
        let body = #"{"messages": [{"role": "user", "content": "hi"}]}"#
        guard case .deferred(let register) = harness.router.route(method: "POST", uri: "/api/chat", body: Array(body.utf8)) else {
            return XCTFail("chat must block")
        }
        register { _ in }
        XCTAssertNil(harness.state()["current_task"] as? String, "dispatching")
        harness.clock.advance(milliseconds: 6)
        XCTAssertEqual(harness.state()["current_task"] as? String, "chat")
        harness.clock.advance(milliseconds: 100)
        let generation = try XCTUnwrap(harness.engine.log.generations.last)
        XCTAssertEqual(generation.queuedText, "")
        XCTAssertTrue(generation.text.hasPrefix(ReplyGenerator.thinkPrefix))
    }
}
