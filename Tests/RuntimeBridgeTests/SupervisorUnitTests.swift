import XCTest
@testable import RuntimeBridge

/// The supervisor's small parts: output parsing, line splitting, backoff, endpoints.
final class SupervisorUnitTests: XCTestCase {
    func testRuntimeOutputParser() {
        XCTAssertEqual(RuntimeOutputParser.timeToFirstToken(in: "ttft: 1339.12 ms"), 1339.12)
        XCTAssertEqual(RuntimeOutputParser.tokensPerSecond(in: "hit eos,avg 3.65 token/s"), 3.65)
        XCTAssertEqual(RuntimeOutputParser.tokensPerSecond(in: "the answer.hit eos,avg 12 token/s"), 12)
        XCTAssertNil(RuntimeOutputParser.timeToFirstToken(in: "ttft: soon"))
        XCTAssertEqual(RuntimeOutputParser.announcedPort(in: "Server running on port 8000..."), 8000)
        XCTAssertTrue(RuntimeOutputParser.looksLikeFailure("lLaMa.Init failed"))
        XCTAssertTrue(RuntimeOutputParser.looksLikeFailure("axcl init fail, ret = 0x8030010b"))
        XCTAssertFalse(RuntimeOutputParser.looksLikeFailure("LLM init ok"))
    }

    func testLineSplitter() {
        var splitter = LineSplitter(maximumLineBytes: 8)
        var lines: [String] = []
        for chunk in ["LLM in", "it start\r\nab", "c\n", "0123456789", "\nrest"] {
            Array(chunk.utf8).withUnsafeBytes { splitter.append($0) { lines.append($0) } }
        }
        XCTAssertEqual(lines, ["LLM init", " start", "abc", "01234567", "89"])
        XCTAssertEqual(splitter.finish(), "rest")
        XCTAssertNil(splitter.finish())
    }

    func testOutputTailKeepsTheLastLines() {
        var tail = OutputTail(capacity: 3)
        for index in 1...5 { tail.append("line \(index)") }
        XCTAssertEqual(tail.lines, ["line 3", "line 4", "line 5"])
        XCTAssertEqual(tail.quoted(last: 2), "  | line 4\n  | line 5")
    }

    func testBackoffDoublesUpToTheCapAndTheWindowSlides() {
        let options = SupervisorOptions(initialBackoff: .seconds(1), maximumBackoff: .seconds(30),
                                        maximumFailures: 5, failureWindow: .seconds(600))
        var history = FailureHistory(options: options)
        let start = ContinuousClock.now
        var delays: [Duration] = []
        for minute in 0..<4 {
            _ = history.record(at: start + .seconds(minute * 60))
            delays.append(history.backoff)
        }
        XCTAssertEqual(delays, [.seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        XCTAssertFalse(history.givesUp)
        // Eleven minutes after the first failure, the first two have left the window.
        XCTAssertEqual(history.record(at: start + .seconds(661)), 3)
        XCTAssertFalse(history.givesUp)
        for _ in 0..<2 { _ = history.record(at: start + .seconds(662)) }
        XCTAssertTrue(history.givesUp)
        XCTAssertEqual(history.backoff, .seconds(16))

        var many = FailureHistory(options: SupervisorOptions(maximumFailures: 10))
        for _ in 0..<7 { _ = many.record(at: start) }
        XCTAssertEqual(many.backoff, .seconds(30), "1 s doubling, capped at 30 s")
    }

    func testExitSummaries() {
        XCTAssertEqual(ProcessEnd(ProcessEnd.Cause.exited(255)).summary, "exited with code 255")
        XCTAssertTrue(ProcessEnd(ProcessEnd.Cause.exited(127)).summary.contains("command not found"))
        XCTAssertTrue(ProcessEnd(ProcessEnd.Cause.signaled(9)).summary.contains("SIGKILL"))
    }

    func testEndpoints() throws {
        XCTAssertEqual(try RuntimeEndpoint(url: "http://127.0.0.1:8000"), RuntimeEndpoint(host: "127.0.0.1", port: 8000))
        XCTAssertEqual(try RuntimeEndpoint(url: "http://localhost"), RuntimeEndpoint(host: "localhost", port: 80))
        XCTAssertEqual(try RuntimeEndpoint(url: "10.0.0.2:8000/api"), RuntimeEndpoint(host: "10.0.0.2", port: 8000))
        XCTAssertEqual(try RuntimeEndpoint(url: "http://[::1]:8000"), RuntimeEndpoint(host: "::1", port: 8000))
        XCTAssertEqual(RuntimeEndpoint(host: "::1", port: 8000).url, "http://[::1]:8000")
        XCTAssertThrowsError(try RuntimeEndpoint(url: "https://x:1"))
        XCTAssertThrowsError(try RuntimeEndpoint(url: "http://x:99999"))
        XCTAssertThrowsError(try RuntimeEndpoint(url: "http://:80"))
    }
}
