import XCTest
@testable import AXLLMEmulator

/// Global sticky sampling and the vendor's `set_llm_config` rules.
final class SamplingTests: XCTestCase {
    func testDefaultsAreTheModelsPostConfig() {
        let harness = EngineHarness()
        XCTAssertEqual(harness.engine.sampling, .qwen3Defaults)
        XCTAssertEqual(harness.engine.sampling.mode, .greedy)
    }

    func testOmittedKeysInheritThePreviousValues() {
        let harness = EngineHarness()
        harness.resetAndSettle()
        _ = harness.reply(to: #"{"prompt": "a", "temperature": 0.3, "top-k": 40, "repetition_penalty": 1.3}"#)
        _ = harness.reply(to: #"{"prompt": "b"}"#)
        let sampling = harness.engine.sampling
        XCTAssertEqual(sampling.temperature, 0.3)
        XCTAssertTrue(sampling.temperatureEnabled)
        XCTAssertEqual(sampling.topK, 40)
        XCTAssertEqual(sampling.mode, .topK)
        XCTAssertEqual(sampling.repetitionPenalty, 1.3)

        // Inherited values produce the same text as sending them explicitly.
        let implicit = EngineHarness()
        implicit.resetAndSettle()
        _ = implicit.reply(to: #"{"prompt": "x", "temperature": 0.3, "top-k": 40, "repetition_penalty": 1.3}"#)
        implicit.resetAndSettle()
        let explicit = EngineHarness()
        explicit.resetAndSettle()
        XCTAssertEqual(implicit.reply(prompt: "q"),
                       explicit.reply(to: #"{"prompt": "q", "temperature": 0.3, "top-k": 40, "repetition_penalty": 1.3}"#))
    }

    func testSetterRules() {
        var sampling = SamplingState.qwen3Defaults
        sampling.setRepetitionPenalty(1.3)
        sampling.setRepetitionPenalty(1.0)  // skipped: the old value stays active
        XCTAssertTrue(sampling.repetitionPenaltyEnabled)
        XCTAssertEqual(sampling.repetitionPenalty, 1.3)
        sampling.setTemperature(0)
        XCTAssertFalse(sampling.temperatureEnabled)
        sampling.setTopP(0.9)
        XCTAssertEqual(sampling.mode, .topP)
        XCTAssertFalse(sampling.topKEnabled)
        sampling.setTopK(0)
        XCTAssertEqual(sampling.mode, .argmax)
        sampling.setTopP(1.0)
        XCTAssertEqual(sampling.mode, .argmax)
    }

    func testTopKWinsWhenBothAreSent() {
        let harness = EngineHarness()
        XCTAssertEqual(harness.generate(#"{"prompt": "x", "top-k": 5, "top-p": 0.7}"#).status, 200)
        XCTAssertEqual(harness.engine.sampling.mode, .topK)
        XCTAssertEqual(harness.engine.sampling.topK, 5)
    }

    func testWrongTypeAnswers500AfterApplyingEarlierKeys() {
        let harness = EngineHarness()
        let reply = harness.generate(#"{"prompt": "x", "temperature": 0.5, "top-p": "high", "top-k": 7}"#)
        XCTAssertEqual(reply.status, 500)
        XCTAssertEqual(reply.body, "")
        XCTAssertTrue(reply.headers.contains { $0.0 == "EXCEPTION_WHAT" && $0.1.contains("type must be number, but is string") })
        XCTAssertEqual(harness.engine.sampling.temperature, 0.5, "keys before the bad one were applied")
        XCTAssertEqual(harness.engine.sampling.topK, 1, "keys after it were not")
        harness.clock.advance(milliseconds: 100)
        XCTAssertEqual(harness.engine.log.generations.count, 0, "nothing was queued")

        // A non-string prompt fails after the sampling keys were applied.
        XCTAssertEqual(harness.generate(#"{"prompt": 5, "top-k": 9}"#).status, 500)
        XCTAssertEqual(harness.engine.sampling.topK, 9)
        // Booleans convert like numbers in nlohmann::json; fractional top-k truncates.
        XCTAssertEqual(harness.generate(#"{"prompt": "x", "temperature": true, "top-k": 3.9}"#).status, 200)
        XCTAssertEqual(harness.engine.sampling.temperature, 1)
        XCTAssertEqual(harness.engine.sampling.topK, 3)
    }
}
