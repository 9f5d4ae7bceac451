import XCTest
@testable import RuntimeBridge

/// The counter's ASCII table gives the same classes, hence the same pieces and counts, as the
/// general rule by Unicode properties, which it skips for speed.
final class ReplyTokenCounterTests: XCTestCase {
    func testTheASCIITableAgreesWithTheUnicodePropertiesOnEveryASCIIScalar() throws {
        for value in UInt32(0)..<0x80 {
            let scalar = try XCTUnwrap(Unicode.Scalar(value))
            XCTAssertEqual(ReplyTokenCounter.classify(scalar), ReplyTokenCounter.classifyByProperties(scalar),
                           "U+\(String(value, radix: 16))")
        }
    }

    func testPiecesAreTheSameByTableAndByPropertiesOverMixedText() {
        let texts = [
            "Hello world, it's a test: don't we'll I'm they're you've he'd.",
            "It costs 42 dollars (or 3.14 € / ¥1000) — 50% off!!! ... ?!",
            "tabs\tand\u{0B}vertical\u{0C}feeds,  two  spaces,\r\nCRLF\n\n  \n indented\n",
            "<think>\n\n</think>\n\n Café naïve Ünïcödé façade; ½ ² Ⅻ ٣ ",
            "你好，世界！こんにちは 안녕하세요 mixed中文text 42号",
            "emoji 👍🏽 and flags 🇩🇪 and ZWJ 👨‍👩‍👧 end.",
            "code: `let x = a[i] + b_2 -> {}; // ok` && ||| \\ ~~~ ^^^",
            "\u{00}\u{01}\u{1F}\u{7F} controls, \u{85}NEL, \u{A0}NBSP, \u{2003}em space, \u{3000}ideographic",
            "'quoted' \"double\" 's 't 're 've 'll 'd 'm --- *** ===",
        ]
        for text in texts {
            var fast = ReplyTokenCounter()
            var general = ReplyTokenCounter()
            var fastBegins: [Bool] = []
            var generalBegins: [Bool] = []
            for scalar in text.unicodeScalars {
                fastBegins.append(fast.begins(scalar))
                generalBegins.append(general.begins(ReplyTokenCounter.classifyByProperties(scalar)))
            }
            XCTAssertEqual(fastBegins, generalBegins, text)
            XCTAssertEqual(fast.count, general.count, text)
            XCTAssertEqual(ReplyTokenCounter.count(in: text), general.count, text)
        }
    }

    func testTheTableClassifiesTheWayThePreTokenizerSplits() {
        XCTAssertEqual(ReplyTokenCounter.count(in: "don't"), 3, "don ' t")
        XCTAssertEqual(ReplyTokenCounter.count(in: " 2024!!"), 6, "the space alone, four digits, one run")
        XCTAssertEqual(ReplyTokenCounter.count(in: "a  b"), 3, "a, the first space, ' b'")
        XCTAssertEqual(ReplyTokenCounter.count(in: "end.\n\nNext"), 3, "end, '.\\n\\n', Next")
    }
}
