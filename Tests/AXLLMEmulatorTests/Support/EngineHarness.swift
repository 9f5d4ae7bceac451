import Foundation
import XCTest
@testable import AXLLMEmulator

/// An engine and its routes on a virtual clock: requests go through the same routing code as HTTP,
/// without sockets. Default timing: 1000 tokens/s (1 ms per token), first token after 10 + 5 ms per
/// prefill chunk, every task starts 5 ms after an idle worker accepted it (dispatch), no gap between queued
/// tasks, reset takes 50 ms, no poll jitter, no chaos.
final class EngineHarness {
    let clock = VirtualClock()
    let console = CapturingConsole()
    let crashRecorder = CrashRecorder()
    let engine: RuntimeEngine
    let router: EmulatorRouter

    init(_ configure: (inout EngineConfiguration) -> Void = { _ in }) {
        var configuration = EngineConfiguration()
        configuration.tokensPerSecond = 1000
        configuration.ttftMilliseconds = 10
        configuration.prefillMillisecondsPerChunk = 5
        configuration.dispatchMilliseconds = 5
        configuration.resetMilliseconds = 50
        configure(&configuration)
        engine = RuntimeEngine(configuration: configuration, clock: clock, console: console, hooks: crashRecorder.hooks)
        router = EmulatorRouter(engine: engine)
    }

    /// A request that must be answered at once.
    @discardableResult
    func request(_ method: String, _ path: String, _ body: String = "",
                 file: StaticString = #filePath, line: UInt = #line) -> HTTPReply {
        switch router.route(method: method, uri: path, body: Array(body.utf8)) {
        case .reply(let reply):
            return reply
        case .deferred:
            XCTFail("\(method) \(path) was deferred", file: file, line: line)
            return HTTPReply(status: 0, body: "")
        }
    }

    @discardableResult
    func generate(_ body: String) -> HTTPReply { request("POST", "/api/generate", body) }

    @discardableResult
    func generate(prompt: String) -> HTTPReply { generate(#"{"prompt": \#(RuntimeJSON.quoted(prompt))}"#) }

    @discardableResult
    func reset(_ body: String = "{}") -> HTTPReply { request("POST", "/api/reset", body) }

    /// Resets and lets the reset finish (dispatch + reset duration).
    func resetAndSettle(_ body: String = "{}") {
        XCTAssertEqual(reset(body).status, 200)
        clock.advance(milliseconds: engine.configuration.dispatchMilliseconds + engine.configuration.resetMilliseconds + 1)
        XCTAssertFalse(engine.isBusy)
    }

    /// One poll through the route whatever the jitter: a delayed answer is waited for on the virtual clock
    /// (in steps of 0.1 ms); returns the reply and the virtual milliseconds it took.
    func jitteredPoll(file: StaticString = #filePath, line: UInt = #line) -> (reply: HTTPReply, waitedMilliseconds: Double) {
        switch router.route(method: "GET", uri: "/api/generate_provider", body: []) {
        case .reply(let reply):
            return (reply, 0)
        case .deferred(let register):
            var answer: HTTPReply?
            register { answer = $0 }
            var waited = 0.0
            while answer == nil, waited < 1000 {
                clock.advance(milliseconds: 0.1)
                waited += 0.1
            }
            guard let answer else {
                XCTFail("the poll was never answered", file: file, line: line)
                return (HTTPReply(status: 0, body: ""), waited)
            }
            return (answer, waited)
        }
    }

    /// One `/api/generate_provider` poll, decoded (a jittered one is waited for on the virtual clock).
    func poll(file: StaticString = #filePath, line: UInt = #line) -> (response: String, done: Bool) {
        let reply = jitteredPoll(file: file, line: line).reply
        let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]
        guard let response = object?["response"] as? String, let done = object?["done"] as? Bool else {
            XCTFail("bad poll reply \(reply.body)", file: file, line: line)
            return ("", true)
        }
        return (response, done)
    }

    /// Polls every `intervalMilliseconds` of virtual time like a bridge would, until `done` after the
    /// generation was seen running; returns the non-empty chunks.
    func pollUntilDone(intervalMilliseconds: Double = 1, limitMilliseconds: Double = 600_000,
                       file: StaticString = #filePath, line: UInt = #line) -> [String] {
        var chunks: [String] = []
        var started = false
        var elapsed = 0.0
        while elapsed < limitMilliseconds {
            let (text, done) = poll(file: file, line: line)
            if !text.isEmpty { chunks.append(text) }
            if !done || !text.isEmpty { started = true }
            if done && started { return chunks }
            clock.advance(milliseconds: intervalMilliseconds)
            elapsed += intervalMilliseconds
        }
        XCTFail("generation did not finish", file: file, line: line)
        return chunks
    }

    /// Generates (expecting acceptance) and returns the whole reply text as polled.
    func reply(to body: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        XCTAssertEqual(generate(body).status, 200, file: file, line: line)
        return pollUntilDone(file: file, line: line).joined()
    }

    func reply(prompt: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        reply(to: #"{"prompt": \#(RuntimeJSON.quoted(prompt))}"#, file: file, line: line)
    }

    /// `/__emulator/state`, decoded.
    func state(file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        let reply = request("GET", "/__emulator/state", file: file, line: line)
        guard let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any] else {
            XCTFail("bad state JSON: \(reply.body)", file: file, line: line)
            return [:]
        }
        return object
    }
}
