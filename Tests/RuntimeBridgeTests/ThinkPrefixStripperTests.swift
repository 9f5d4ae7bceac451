import XCTest
@testable import RuntimeBridge

final class ThinkPrefixStripperTests: XCTestCase {
    private func strip(_ pieces: [String]) -> String {
        var stripper = ThinkPrefixStripper()
        return pieces.map { stripper.feed($0) }.joined() + stripper.finish()
    }

    /// Every split of `text` into two or three pieces at scalar boundaries.
    private func assertEverySplit(_ text: String, gives expected: String, file: StaticString = #filePath,
                                  line: UInt = #line) {
        let scalars = Array(text.unicodeScalars)
        func string(_ range: Range<Int>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
        for first in 0...scalars.count {
            for second in first...scalars.count {
                let pieces = [string(0..<first), string(first..<second), string(second..<scalars.count)]
                XCTAssertEqual(strip(pieces), expected, "split \(pieces)", file: file, line: line)
            }
        }
    }

    func testStripsThePrefixWhereverItIsSplit() {
        assertEverySplit("<think>\n\n</think>\n\nHello there", gives: "Hello there")
    }

    func testToleratesWhitespaceVariants() {
        XCTAssertEqual(strip(["<think>\n</think>\n\nHi"]), "Hi")
        XCTAssertEqual(strip(["<think></think>Hi"]), "Hi")
        XCTAssertEqual(strip(["<think>\r\n\r\n</think>\r\n\r\nHi"]), "Hi")
        XCTAssertEqual(strip(["<think>\n\n</think>\n\n"]), "", "a reply that is only the prefix is empty")
    }

    func testReleasesTextThatIsNotThePrefix() {
        assertEverySplit("<thinking about it>", gives: "<thinking about it>")
        XCTAssertEqual(strip(["Hello <think>\n\n</think>\n\n"]), "Hello <think>\n\n</think>\n\n",
                       "only the very start of the reply is examined")
        XCTAssertEqual(strip(["<think>\nreasoning</think>\n\nHi"]), "<think>\nreasoning</think>\n\nHi",
                       "a block with reasoning is not the empty prefix")
        XCTAssertEqual(strip(["<thi"]), "<thi", "an unfinished tag at the end is text")
    }

    func testRelaysAtOnceAfterThePrefix() {
        var stripper = ThinkPrefixStripper()
        XCTAssertEqual(stripper.feed("<think>\n\n</think>\n\n"), "")
        XCTAssertEqual(stripper.feed("Hi"), "Hi")
        XCTAssertEqual(stripper.feed(" <think>"), " <think>")
        XCTAssertEqual(stripper.feed("Hello"), "Hello")
        XCTAssertEqual(stripper.finish(), "")
    }

    func testPlainRepliesAreNotDelayed() {
        var stripper = ThinkPrefixStripper()
        XCTAssertEqual(stripper.feed("Sure"), "Sure")
    }
}
