import XCTest
@testable import AXLLMEmulator

/// The worker's timing knobs: dispatch latency for every task, the gap between queued tasks, poll jitter,
/// and the seeded chaos schedule (runtime facts 1 and 2).
final class WorkerTimingTests: XCTestCase {
    func testResetAndGenerateAreBothAcceptedDuringDispatch() throws {
        let harness = EngineHarness { $0.replyTokens = 5 }
        XCTAssertEqual(harness.reset(#"{"system_prompt": "S"}"#).status, 200)
        XCTAssertFalse(harness.engine.isBusy, "the busy flag is set when a task starts, not when it is queued")
        XCTAssertEqual(harness.poll().done, true)
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200, "accepted while the reset waits for dispatch")
        var state = harness.state()
        XCTAssertEqual(state["worker_queue"] as? Int, 2)
        XCTAssertEqual(state["worker_state"] as? String, "dispatching")
        XCTAssertTrue(state["current_task"] is NSNull)

        harness.clock.advance(milliseconds: 5)
        state = harness.state()
        XCTAssertEqual(state["current_task"] as? String, "reset")
        XCTAssertEqual(state["worker_queue"] as? Int, 1)
        XCTAssertEqual(harness.generate(prompt: "late").body, #"{"error": "llm is running"}"#)

        harness.clock.advance(milliseconds: 50)  // the reset ends; the queued generate starts at once (no gap)
        XCTAssertEqual(harness.state()["current_task"] as? String, "generate")
        _ = harness.pollUntilDone()
        let generation = try XCTUnwrap(harness.engine.log.generations.last)
        XCTAssertEqual(generation.prompt, "hi")
        XCTAssertEqual(generation.systemPrompt, "S", "it ran on the KV of the reset queued before it")
    }

    func testTwoGeneratesAreQueuedBackToBack() {
        let harness = EngineHarness { $0.replyTokens = 3 }
        harness.resetAndSettle()
        XCTAssertEqual(harness.generate(prompt: "one").status, 200)
        XCTAssertEqual(harness.generate(prompt: "two").status, 200)
        XCTAssertEqual(harness.engine.queuedTasks, 2)
        harness.clock.advance(milliseconds: 200)
        XCTAssertEqual(harness.engine.log.generations.map(\.prompt), ["one", "two"], "FIFO")
    }

    func testDispatchAppliesToResetsToo() {
        let immediate = EngineHarness { $0.dispatchMilliseconds = 0 }
        immediate.reset()
        XCTAssertTrue(immediate.engine.isBusy, "no dispatch latency: the reset starts at once")

        let delayed = EngineHarness { $0.dispatchMilliseconds = 30 }
        delayed.reset()
        delayed.clock.advance(milliseconds: 29)
        XCTAssertFalse(delayed.engine.isBusy)
        delayed.clock.advance(milliseconds: 1)
        XCTAssertEqual(delayed.engine.phase, .resetting)
    }

    func testPollsSayDoneInTheGapBetweenQueuedTasks() {
        let harness = EngineHarness { $0.taskGapMilliseconds = 20 }
        XCTAssertEqual(harness.reset().status, 200)
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
        harness.clock.advance(milliseconds: 5)
        XCTAssertEqual(harness.poll().done, false, "the reset runs")
        harness.clock.advance(milliseconds: 50)
        XCTAssertEqual(harness.poll().done, true, "the reset ended, the generate has not started")
        XCTAssertEqual(harness.state()["worker_state"] as? String, "gap")
        XCTAssertEqual(harness.engine.queuedTasks, 1)
        XCTAssertEqual(harness.generate(prompt: "another").status, 200, "accepted in the gap as well")
        harness.clock.advance(milliseconds: 19)
        XCTAssertEqual(harness.poll().done, true)
        harness.clock.advance(milliseconds: 1)
        XCTAssertEqual(harness.poll().done, false, "the generate started after the gap")
        XCTAssertEqual(harness.engine.phase, .prefill)
    }

    func testPollJitterDelaysTheAnswerAndDrainsWhenAnswered() {
        let harness = EngineHarness {
            $0.pollJitterMilliseconds = 10
            $0.replyTokens = 3
        }
        harness.resetAndSettle()
        var waits: [Double] = []
        for _ in 0..<20 { waits.append(harness.jitteredPoll().waitedMilliseconds) }
        XCTAssertTrue(waits.allSatisfy { $0 <= 10.1 }, "\(waits)")
        XCTAssertTrue(waits.contains { $0 > 1 }, "some polls wait: \(waits)")

        // Same seed (0 without --chaos), same delays.
        let twin = EngineHarness { $0.pollJitterMilliseconds = 10 }
        let other = EngineHarness { $0.pollJitterMilliseconds = 10 }
        XCTAssertEqual((0..<10).map { _ in twin.engine.nextPollDelayMilliseconds() },
                       (0..<10).map { _ in other.engine.nextPollDelayMilliseconds() })

        // `done` is computed when the poll is answered: a generate accepted meanwhile is seen running.
        XCTAssertEqual(harness.generate(prompt: "hi").status, 200)
        guard case .deferred(let register) = harness.router.route(method: "GET", uri: "/api/generate_provider", body: []) else {
            return XCTFail("a jittered poll is answered later")
        }
        var answer: HTTPReply?
        register { answer = $0 }
        XCTAssertNil(answer)
        harness.clock.advance(milliseconds: 10.1)
        XCTAssertEqual(answer?.status, 200)
    }

    func testChaosDrawsArePerTaskAndReproducible() {
        let base = EngineConfiguration()
        let first = ChaosSchedule(seed: 42, maxDispatchMilliseconds: 40)
        let second = ChaosSchedule(seed: 42, maxDispatchMilliseconds: 40)
        let other = ChaosSchedule(seed: 43, maxDispatchMilliseconds: 40)
        let draws = (1...200).map { first.timing(forTask: UInt64($0), base: base) }
        XCTAssertEqual(draws, (1...200).map { second.timing(forTask: UInt64($0), base: base) })
        XCTAssertNotEqual(draws, (1...200).map { other.timing(forTask: UInt64($0), base: base) })
        XCTAssertEqual(first.timing(forTask: 7, base: base), draws[6], "a draw depends on the task number only")
        let interval = Double(base.tokenIntervalNanoseconds)
        for timing in draws {
            XCTAssertTrue((0...40).contains(timing.dispatchMilliseconds), "\(timing)")
            XCTAssertTrue((0...40).contains(timing.gapMilliseconds), "\(timing)")
            XCTAssertLessThan(timing.dispatchMilliseconds + timing.gapMilliseconds, 100)
            XCTAssertTrue((0...300).contains(timing.resetMilliseconds), "\(timing)")
            XCTAssertTrue((0.5 * interval...1.5 * interval).contains(Double(timing.tokenIntervalNanoseconds)), "\(timing)")
            XCTAssertTrue((0...2).contains(timing.stopLatencyTokens), "\(timing)")
        }
        XCTAssertEqual(Set(draws.map(\.stopLatencyTokens)), [0, 1, 2])
        XCTAssertGreaterThan(draws.map(\.dispatchMilliseconds).max() ?? 0, 30, "the range is used")
        let jitter = (1...100).map { first.pollJitterMilliseconds(forPoll: UInt64($0), bound: 15) }
        XCTAssertEqual(jitter, (1...100).map { second.pollJitterMilliseconds(forPoll: UInt64($0), bound: 15) })
        XCTAssertTrue(jitter.allSatisfy { (0...15).contains($0) })
    }

    func testChaosEngineReplaysTheSameRunFromTheSameSeed() {
        func run(seed: UInt64) -> (ttfts: [Double?], tokens: [Int], outcomes: [String], end: UInt64) {
            let harness = EngineHarness {
                $0.chaosSeed = seed
                $0.replyTokens = 12
            }
            for index in 0..<6 {
                harness.reset()
                harness.clock.advance(milliseconds: 400)  // dispatch (<= 40) + reset (<= 300)
                harness.generate(prompt: "prompt \(index)")
                harness.clock.advance(milliseconds: 30)
                if index % 2 == 0 { harness.request("GET", "/api/stop") }
                _ = harness.pollUntilDone(intervalMilliseconds: 3)
                harness.clock.advance(milliseconds: 400)
            }
            let generations = harness.engine.log.generations
            return (generations.map(\.ttftMilliseconds), generations.map(\.tokens),
                    generations.map(\.outcome.rawValue), harness.clock.nowNanoseconds)
        }
        let first = run(seed: 9)
        let again = run(seed: 9)
        XCTAssertEqual(first.ttfts, again.ttfts)
        XCTAssertEqual(first.tokens, again.tokens)
        XCTAssertEqual(first.outcomes, again.outcomes)
        XCTAssertEqual(first.end, again.end)
        XCTAssertEqual(first.tokens.count, 6)
    }

    func testChaosStopLatencyLetsUpToTwoMoreTokensThrough() {
        // Find a seed whose first generation (task 2, after the reset) notices a stop two tokens late.
        let base = EngineConfiguration()
        guard let seed = (UInt64(1)...500).first(where: {
            ChaosSchedule(seed: $0, maxDispatchMilliseconds: 40).timing(forTask: 2, base: base).stopLatencyTokens == 2
        }) else { return XCTFail("no seed with a stop latency of 2") }
        let harness = EngineHarness {
            $0.chaosSeed = seed
            $0.tokensPerSecond = 1000
            $0.replyTokens = 1000
        }
        harness.reset()
        harness.generate(prompt: "hi")
        // Dispatch (<= 40) + reset (<= 300) + gap (<= 40) + first token (15) < 400; 1000 tokens take >= 500 ms.
        harness.clock.advance(milliseconds: 500)
        XCTAssertEqual(harness.engine.phase, .decoding)
        let produced = harness.engine.generation?.produced ?? 0
        harness.request("GET", "/api/stop")
        harness.clock.advance(milliseconds: 100)
        XCTAssertFalse(harness.engine.isBusy)
        XCTAssertEqual(harness.engine.log.generations.last?.tokens, produced + 2)
        XCTAssertEqual(harness.engine.log.generations.last?.outcome, .stopped)
    }
}
