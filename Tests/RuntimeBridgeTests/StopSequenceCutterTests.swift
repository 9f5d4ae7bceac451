import XCTest
@testable import RuntimeBridge

final class StopSequenceCutterTests: XCTestCase {
    /// Feeds `pieces`; returns the relayed text and whether a stop sequence ended it.
    private func cut(_ pieces: [String], stops: [String]) -> (text: String, matched: Bool) {
        var cutter = StopSequenceCutter(stops: stops)
        var text = ""
        for piece in pieces {
            let (safe, matched) = cutter.feed(piece)
            text += safe
            if matched { return (text, true) }
        }
        return (text + cutter.finish(), false)
    }

    /// Every way to cut `text` into up to three pieces at Unicode scalar boundaries.
    private func splits(of text: String) -> [[String]] {
        let scalars = Array(text.unicodeScalars)
        func string(_ range: Range<Int>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
        var result: [[String]] = [[text]]
        for first in 0...scalars.count {
            for second in first...scalars.count {
                result.append([string(0..<first), string(first..<second), string(second..<scalars.count)])
            }
        }
        return result
    }

    private func assertEverySplit(_ text: String, stops: [String], gives expected: String, matched: Bool,
                                  file: StaticString = #filePath, line: UInt = #line) {
        for pieces in splits(of: text) {
            let result = cut(pieces, stops: stops)
            XCTAssertEqual(result.text, expected, "split \(pieces)", file: file, line: line)
            XCTAssertEqual(result.matched, matched, "split \(pieces)", file: file, line: line)
        }
    }

    func testCutsBeforeTheStopSequenceWhereverTheChunksSplit() {
        assertEverySplit("Hello world! STOP more text", stops: ["STOP"], gives: "Hello world! ", matched: true)
    }

    func testNoStopSequenceRelaysEverything() {
        assertEverySplit("the END is not here: EN", stops: ["ENDING", "xyz"], gives: "the END is not here: EN",
                         matched: false)
    }

    func testTheFirstCompletedSequenceWinsWithOverlappingPrefixes() {
        // "bc" completes before "abcd" would: cut at "bc".
        assertEverySplit("xxabcdyy", stops: ["abcd", "bc"], gives: "xxa", matched: true)
        // A repeated first letter: the match starts at the second "a".
        assertEverySplit("aaab tail", stops: ["aab"], gives: "a", matched: true)
        // Two sequences ending at the same byte: the longer one cuts earlier.
        assertEverySplit("zzabc", stops: ["bc", "abc"], gives: "zz", matched: true)
        // A sequence that is a prefix of another completes first.
        assertEverySplit("zabcd", stops: ["abcd", "ab"], gives: "z", matched: true)
    }

    func testMultiByteTextAndSequences() {
        assertEverySplit("こんにちは日本語です", stops: ["日本"], gives: "こんにちは", matched: true)
        assertEverySplit("hi 🙂🙂! yes", stops: ["🙂!"], gives: "hi 🙂", matched: true)
        assertEverySplit("naïve café", stops: ["é!"], gives: "naïve café", matched: false)
    }

    func testHoldsBackOnlyAPossiblePartialMatch() {
        var cutter = StopSequenceCutter(stops: ["</answer>"])
        XCTAssertEqual(cutter.feed("The result </ans").text, "The result ")
        XCTAssertEqual(cutter.feed("wer is").text, "</answer is")
        XCTAssertEqual(cutter.feed(" final </").text, " final ")
        let end = cutter.feed("answer> trailing")
        XCTAssertEqual(end.text, "")
        XCTAssertTrue(end.matched)
        XCTAssertEqual(cutter.feed("more").text, "", "nothing after a stop sequence")
        XCTAssertEqual(cutter.finish(), "")
    }

    func testEmptyStopSequencesAreIgnored() {
        var cutter = StopSequenceCutter(stops: [""])
        XCTAssertEqual(cutter.feed("abc").text, "abc")
        XCTAssertFalse(cutter.matched)
    }
}
