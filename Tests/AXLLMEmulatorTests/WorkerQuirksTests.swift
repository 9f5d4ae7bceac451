import XCTest
@testable import AXLLMEmulator

/// Busy rejection, asynchronous reset, the early `done: true`, polling, and the per-turn stdout lines.
final class WorkerQuirksTests: XCTestCase {
    func testGenerateWhileBusyIsRejected() {
        let harness = EngineHarness()
        harness.resetAndSettle()
        XCTAssertEqual(harness.generate(prompt: "one"), .json(200, #"{"status": "ok"}"#))
        harness.clock.advance(milliseconds: 6)
        XCTAssertTrue(harness.engine.isBusy)
        XCTAssertEqual(harness.generate(prompt: "two"), .json(400, #"{"error": "llm is running"}"#))
        // Bad JSON is diagnosed before the busy check.
        XCTAssertEqual(harness.generate("{nope").body, #"{"error": "Invalid request format"}"#)
        XCTAssertEqual(harness.reset().body, #"{"error": "llm is running"}"#, "a reset while busy is refused too")
        XCTAssertEqual(harness.engine.log.busyRejections, 2)
        _ = harness.pollUntilDone()
        XCTAssertEqual(harness.generate(prompt: "two").status, 200)
    }

    func testResetRunsAsynchronously() {
        let harness = EngineHarness()
        XCTAssertEqual(harness.reset(#"{"system_prompt": "Be brief."}"#), .json(200, #"{"status": "ok"}"#))
        XCTAssertFalse(harness.engine.isBusy, "accepted, waiting for the worker's dispatch")
        harness.clock.advance(milliseconds: 5)
        XCTAssertTrue(harness.engine.isBusy, "the reset runs after the dispatch latency")
        XCTAssertEqual(harness.generate(prompt: "hi").body, #"{"error": "llm is running"}"#)
        XCTAssertEqual(harness.poll().done, false)
        harness.clock.advance(milliseconds: 49)
        XCTAssertTrue(harness.engine.isBusy)
        harness.clock.advance(milliseconds: 1)
        XCTAssertFalse(harness.engine.isBusy)
        XCTAssertEqual(harness.engine.conversation.tokens, TokenCounter.count("Be brief."))
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
    }

    func testEmptySystemPromptUsesTheDefault() {
        let harness = EngineHarness()
        harness.resetAndSettle(#"{"system_prompt": ""}"#)
        XCTAssertEqual(harness.engine.conversation.tokens, TokenCounter.count(harness.engine.configuration.defaultSystemPrompt))
        XCTAssertEqual(harness.reset("").body, #"{"error": "Invalid request format"}"#, "an empty body is not JSON")
        XCTAssertEqual(harness.reset(#"{"system_prompt": 3}"#).status, 500)
    }

    func testPollSaysDoneBeforeTheWorkerStarts() {
        let harness = EngineHarness()
        harness.resetAndSettle()
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
        XCTAssertEqual(harness.poll().done, true, "queued, not running yet")
        XCTAssertEqual(harness.engine.queuedTasks, 1)
        harness.clock.advance(milliseconds: 5)
        XCTAssertEqual(harness.poll().done, false)
        XCTAssertEqual(harness.engine.phase, .prefill)
    }

    func testTextIsQueuedEveryThreeTokensAndDrainedByPolls() {
        let harness = EngineHarness { $0.replyTokens = 8 }
        harness.resetAndSettle()
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
        harness.clock.advance(milliseconds: 5 + 15)  // start delay + first-token delay: token 1
        XCTAssertEqual(harness.engine.totalGeneratedTokens, 1)
        XCTAssertEqual(harness.poll().response, "", "nothing queued before the third token")
        harness.clock.advance(milliseconds: 2)  // tokens 2 and 3
        XCTAssertEqual(harness.poll().response, "<think>\n\n</think>")
        XCTAssertEqual(harness.poll().response, "", "a poll drains the queue")
        harness.clock.advance(milliseconds: 6)  // tokens 4...9: two more groups
        let drained = harness.poll()
        XCTAssertFalse(drained.done)
        XCTAssertEqual(harness.engine.textQueue.pushes, 3)
        harness.clock.advance(milliseconds: 3)  // tokens 10...12, then the EOS step
        let rest = harness.pollUntilDone()
        let text = "<think>\n\n</think>" + drained.response + rest.joined()
        XCTAssertEqual(text, harness.engine.log.generations.last?.text)
        XCTAssertEqual(harness.engine.textQueue.pushes, 4, "12 tokens: 4 groups of 3")
        XCTAssertEqual(harness.engine.log.generations.last?.tokens, 12)
    }

    func testPerTurnLinesOnStdout() {
        let harness = EngineHarness { $0.replyTokens = 5 }
        harness.resetAndSettle()
        let text = harness.reply(prompt: "hi")
        let lines = harness.console.stdoutLines
        XCTAssertTrue(lines.contains("ttft: 15.00 ms"), "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("hit eos,avg ") && $0.hasSuffix(" token/s") }, "\(lines)")
        XCTAssertTrue(harness.console.stdout.contains(text), "the generated text is echoed")
    }

    func testPrefillCostGrowsPerChunkOf128Tokens() {
        let harness = EngineHarness()
        harness.resetAndSettle()
        let prompt = String(repeating: "abcd", count: 129 + 128)  // 257 tokens: 3 chunks
        _ = harness.reply(prompt: prompt)
        XCTAssertEqual(harness.engine.log.generations.last?.ttftMilliseconds, 10 + 3 * 5)
        XCTAssertEqual(harness.engine.log.generations.last?.promptTokens, 257)
    }

    func testChatBlocksAndAnswersWithTheWholeReply() {
        let harness = EngineHarness { $0.replyTokens = 10 }
        harness.resetAndSettle()
        let body = #"{"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "ignored"}]}"#
        guard case .deferred(let register) = harness.router.route(method: "POST", uri: "/api/chat", body: Array(body.utf8)) else {
            return XCTFail("chat must block")
        }
        var answer: HTTPReply?
        register { answer = $0 }
        harness.clock.advance(milliseconds: 5)  // dispatch
        XCTAssertTrue(harness.engine.isBusy)
        harness.clock.advance(milliseconds: 100)
        let text = harness.engine.log.generations.last?.text ?? "?"
        XCTAssertEqual(answer, .json(200, #"{"done":true,"message":\#(RuntimeJSON.quoted(text))}"#))
        XCTAssertEqual(harness.engine.log.generations.last?.prompt, "hi")
        XCTAssertEqual(harness.poll().response, "", "chat text is not queued")
        XCTAssertEqual(harness.request("POST", "/api/chat", #"{"messages": [{"content": "x"}]}"#).body,
                       #"{"error": "Invalid message format"}"#)
        XCTAssertEqual(harness.request("POST", "/api/chat", #"{"prompt": "x"}"#).status, 400)
    }

    func testUnknownRoutesAre404() {
        let harness = EngineHarness()
        XCTAssertEqual(harness.request("GET", "/api/health"), .notFound)
        XCTAssertEqual(harness.request("GET", "/api/generate"), .notFound)
        XCTAssertEqual(harness.request("POST", "/api/stop"), .notFound)
        XCTAssertEqual(harness.request("GET", "/v1/models"), .notFound)
        XCTAssertEqual(harness.request("GET", "/api/stop?x=1").status, 200, "query strings are ignored")
        XCTAssertEqual(harness.request("OPTIONS", "/api/generate").status, 200)
    }

    func testInvalidGenerateRequests() {
        let harness = EngineHarness()
        for body in ["", "{", "[]", "\"prompt\"", #"{"promt": "typo"}"#] {
            XCTAssertEqual(harness.generate(body), .json(400, #"{"error": "Invalid request format"}"#), body)
        }
        XCTAssertEqual(harness.engine.log.generateCalls, 5)
    }
}
