import Foundation
import Logging
import XCTest

@testable import AXRPCOperations

/// Every format writes one event as exactly one line, values in metadata, multi-line runtime
/// output quoted rather than broken over lines.
final class LogLineFormatterTests: XCTestCase {
    private let runtimeTail = "exit code 255; last lines:\n  lLaMa.Init failed\n  \"bye\""

    func testTextIsOneLineWithQuotedValues() {
        let line = LogLineFormatter.line(format: .text, timestamp: "2026-12-02T08:15:40.123Z", level: .error,
                                         label: "axrpc", message: "program ended\nunexpectedly",
                                         metadata: ["request_id": "ab-1/3", "last_lines": "\(runtimeTail)"])
        XCTAssertFalse(line.contains("\n"), line)
        XCTAssertTrue(line.hasPrefix("2026-12-02T08:15:40.123Z error axrpc: program ended\\nunexpectedly "), line)
        XCTAssertTrue(line.contains(#"last_lines="exit code 255; last lines:\n  lLaMa.Init failed\n  \"bye\"""#), line)
        XCTAssertTrue(line.hasSuffix(" request_id=ab-1/3"), line)
    }

    func testJSONIsOneObjectPerLine() throws {
        let line = LogLineFormatter.line(format: .json, timestamp: "2026-12-02T08:15:40.123Z", level: .debug,
                                         label: "axrpc", message: "queued",
                                         metadata: ["request_id": "ab-1/3", "last_lines": "\(runtimeTail)",
                                                    "nested": ["a": "1"], "list": ["x", "y"]])
        XCTAssertFalse(line.contains("\n"), line)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["ts"] as? String, "2026-12-02T08:15:40.123Z")
        XCTAssertEqual(object["level"] as? String, "debug")
        XCTAssertEqual(object["msg"] as? String, "queued")
        XCTAssertEqual(object["request_id"] as? String, "ab-1/3")
        XCTAssertEqual(object["last_lines"] as? String, runtimeTail)
        XCTAssertEqual(object["nested"] as? [String: String], ["a": "1"])
        XCTAssertEqual(object["list"] as? [String], ["x", "y"])
    }

    func testJournalLinesStartWithTheirPriorityAndHaveNoTimestamp() {
        let line = LogLineFormatter.line(format: .journal, timestamp: "ignored", level: .warning, label: "axrpc",
                                         message: "runtime output", metadata: ["line": "a b"])
        XCTAssertEqual(line, #"<4>axrpc: runtime output line="a b""#)
    }

    func testTimestampsHaveMilliseconds() {
        XCTAssertEqual(LogTimestamp.format(seconds: 0, milliseconds: 7), "1970-01-01T00:00:00.007Z")
        XCTAssertEqual(LogTimestamp.format(seconds: 1_796_199_340, milliseconds: 123), "2026-12-02T08:15:40.123Z")
    }

    func testTheFormatFollowsTheJournal() {
        XCTAssertEqual(LogFormat.automatic(environment: [:]), .text)
        XCTAssertEqual(LogFormat.automatic(environment: ["JOURNAL_STREAM": "8:1"]), .journal)
    }
}
