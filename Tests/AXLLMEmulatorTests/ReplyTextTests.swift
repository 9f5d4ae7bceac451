import XCTest
@testable import AXLLMEmulator

/// The deterministic text model: same inputs, same text; sampling and conversation change it.
final class ReplyTextTests: XCTestCase {
    func testSameInputsGiveSameText() {
        let first = EngineHarness()
        first.resetAndSettle()
        let second = EngineHarness()
        second.resetAndSettle()
        let body = #"{"prompt": "Why is the sky blue?", "temperature": 0.7, "top-k": 40, "top-p": 0.9}"#
        let firstTurn = first.reply(to: body)
        XCTAssertEqual(firstTurn, second.reply(to: body))

        // The held conversation is part of the input: the next turn differs, a reset restores it.
        XCTAssertNotEqual(first.reply(to: body), firstTurn)
        first.resetAndSettle()
        XCTAssertEqual(first.reply(to: body), firstTurn)
    }

    func testDifferentSamplingGivesDifferentText() {
        func reply(_ body: String) -> String {
            let harness = EngineHarness()
            harness.resetAndSettle()
            return harness.reply(to: body)
        }
        let greedy = reply(#"{"prompt": "hello", "top-k": 1}"#)
        let sampled = reply(#"{"prompt": "hello", "top-k": 40}"#)
        let topP = reply(#"{"prompt": "hello", "top-p": 0.5}"#)
        XCTAssertNotEqual(greedy, sampled)
        XCTAssertNotEqual(sampled, topP)
        XCTAssertNotEqual(reply(#"{"prompt": "hello", "top-k": 40, "temperature": 0.2}"#),
                          reply(#"{"prompt": "hello", "top-k": 40, "temperature": 1.2}"#))
        // Greedy decoding does not depend on the temperature (argmax), but does on the penalty.
        XCTAssertEqual(greedy, reply(#"{"prompt": "hello", "top-k": 1, "temperature": 1.5}"#))
        XCTAssertNotEqual(greedy, reply(#"{"prompt": "hello", "top-k": 1, "repetition_penalty": 1.3}"#))
        XCTAssertNotEqual(greedy, reply(#"{"prompt": "hello!", "top-k": 1}"#))
    }

    func testReplyStartsWithThinkPrefix() {
        let harness = EngineHarness()
        harness.resetAndSettle()
        let text = harness.reply(prompt: "hi")
        XCTAssertTrue(text.hasPrefix("<think>\n\n</think>\n\n"), text)
        XCTAssertTrue(text.hasSuffix("."), text)
        XCTAssertGreaterThan(text.count, ReplyGenerator.thinkPrefix.count + 20)
    }

    func testReplyLengthFromSeedOrFlag() {
        for seed in UInt64(0)..<50 {
            let count = ReplyGenerator.bodyTokens(seed: seed, fixedBodyTokens: nil).count
            XCTAssertTrue((20...60).contains(count), "\(count)")
        }
        let fixed = ReplyGenerator.replyTokens(seed: 7, fixedBodyTokens: 300)
        XCTAssertEqual(fixed.count, 4 + 300)
        XCTAssertEqual(ReplyGenerator.replyTokens(seed: 7, fixedBodyTokens: 0).count, 4)
        // Whatever the cut, the body is valid UTF-8 as a whole.
        let bytes = fixed.flatMap { $0 }
        XCTAssertEqual(UTF8ChunkFilter.completePrefixLength(bytes), bytes.count)
    }

    func testNonASCIIWordsAreSplitAcrossTokens() {
        XCTAssertEqual(ReplyGenerator.tokens(of: " model"), [Array(" model".utf8)])
        XCTAssertEqual(ReplyGenerator.tokens(of: " 日本"), [[0x20], [0xE6], [0x97], [0xA5], [0xE6, 0x9C, 0xAC]])
        XCTAssertEqual(ReplyGenerator.tokens(of: " naïve"), [Array(" na".utf8), [0xC3], [0xAF], Array("ve".utf8)])
        XCTAssertEqual(ReplyGenerator.tokens(of: "🙂"), [[0xF0], [0x9F], [0x99], [0x82]])
    }

    func testUTF8FilterHoldsBackIncompleteCharacters() {
        var filter = UTF8ChunkFilter()
        XCTAssertEqual(filter.push([0x61, 0x20, 0xE6]), "a ")
        XCTAssertEqual(filter.push([0x97]), "")
        XCTAssertTrue(filter.hasPendingBytes)
        XCTAssertEqual(filter.push([0xA5, 0x21]), "日!")
        XCTAssertEqual(filter.push([0xF0, 0x9F]), "")
        XCTAssertEqual(filter.finish(), "", "an incomplete tail is dropped at the end")
        XCTAssertFalse(filter.hasPendingBytes)
    }

    func testSomeFlushesEndInsideACharacterAndQueueEmptyChunks() {
        // Deterministic: over these prompts at least one 3-token group holds only part of a character.
        let harness = EngineHarness()
        harness.resetAndSettle()
        for index in 0..<40 {
            let text = harness.reply(prompt: "prompt \(index)")
            XCTAssertTrue(text.hasPrefix(ReplyGenerator.thinkPrefix))
            if harness.engine.textQueue.emptyPushes > 0 { return }
        }
        XCTFail("no empty chunk was ever queued")
    }
}
