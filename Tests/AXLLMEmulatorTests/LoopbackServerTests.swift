import Foundation
import XCTest
@testable import AXLLMEmulator
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// End to end over a real loopback socket: the HTTP server on port 0, driven with URLSession and with a
/// hand-written keep-alive connection.
final class LoopbackServerTests: XCTestCase {
    private var server: EmulatorHTTPServer?
    private let console = CapturingConsole()

    override func setUp() async throws {
        var configuration = EngineConfiguration()
        configuration.tokensPerSecond = 1000
        configuration.ttftMilliseconds = 5
        configuration.prefillMillisecondsPerChunk = 1
        configuration.resetMilliseconds = 30
        // No dispatch latency: the reset runs as soon as it is accepted, so the generate right behind it is
        // refused (with a latency it would be queued; WorkerTimingTests covers that).
        configuration.dispatchMilliseconds = 0
        configuration.replyTokens = 60
        server = try await EmulatorHTTPServer.start(
            host: "127.0.0.1", port: 0, configuration: configuration,
            limits: ConnectionLimits(maxRequestsPerConnection: 5, keepAliveTimeoutSeconds: 5),
            console: console, hooks: CrashRecorder().hooks
        )
    }

    override func tearDown() async throws {
        try await server?.shutdown()
        server = nil
    }

    private var port: Int { server?.port ?? 0 }

    private func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> (Int, String) {
        let url = try XCTUnwrap(URL(string: "http://127.0.0.1:\(port)\(path)"))
        var request = URLRequest(url: url, timeoutInterval: 30)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, String(decoding: data, as: UTF8.self))
    }

    /// Retries while the runtime answers `llm is running` (what a bridge does after a reset).
    private func generate(_ body: String) async throws {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let (status, reply) = try await call("POST", "/api/generate", body)
            if status == 200 { return }
            XCTAssertEqual(reply, #"{"error": "llm is running"}"#)
            guard Date() < deadline else { return XCTFail("still busy") }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    /// Polls until done after the run was seen (text or done:false), like a bridge.
    private func collect() async throws -> [String] {
        var chunks: [String] = []
        var started = false
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let (status, body) = try await call("GET", "/api/generate_provider")
            XCTAssertEqual(status, 200)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let text = try XCTUnwrap(object["response"] as? String)
            let done = try XCTUnwrap(object["done"] as? Bool)
            if !text.isEmpty { chunks.append(text) }
            if !done || !text.isEmpty { started = true }
            if done && started { return chunks }
            try await Task.sleep(nanoseconds: 2_000_000)
        }
        XCTFail("generation did not finish")
        return chunks
    }

    func testGenerateAndPollOverHTTP() async throws {
        let (resetStatus, resetBody) = try await call("POST", "/api/reset", "{}")
        XCTAssertEqual(resetStatus, 200)
        XCTAssertEqual(resetBody, #"{"status": "ok"}"#)
        let (busyStatus, busyBody) = try await call("POST", "/api/generate", #"{"prompt": "hi"}"#)
        XCTAssertEqual(busyStatus, 400, "the reset is still running")
        XCTAssertEqual(busyBody, #"{"error": "llm is running"}"#)

        try await generate(#"{"prompt": "Tell me about Tokyo", "temperature": 0.7, "top-k": 1, "top-p": 0.8, "repetition_penalty": 1.0}"#)
        let chunks = try await collect()
        let text = chunks.joined()
        XCTAssertTrue(text.hasPrefix("<think>\n\n</think>\n\n"), text)
        XCTAssertGreaterThan(chunks.count, 1, "streamed in several polls")

        let (_, stateBody) = try await call("GET", "/__emulator/state")
        let state = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stateBody.utf8)) as? [String: Any])
        XCTAssertEqual(state["generated_text"] as? [String], [text])
        XCTAssertEqual(state["busy"] as? Bool, false)

        let (missing, _) = try await call("GET", "/api/health")
        XCTAssertEqual(missing, 404)
        let (invalid, invalidBody) = try await call("POST", "/api/generate", "{not json")
        XCTAssertEqual(invalid, 400)
        XCTAssertEqual(invalidBody, #"{"error": "Invalid request format"}"#)
        XCTAssertTrue(console.stdout.contains("ttft: "))
    }

    func testKeepAliveConnectionServesSeveralRequestsThenCloses() throws {
        let connection = try RawHTTPConnection(port: port)
        let first = try connection.send("GET", "/api/generate_provider")
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.body, #"{"done":true,"response":""}"#)
        XCTAssertEqual(first.headers["content-type"], "application/json")
        XCTAssertEqual(first.headers["access-control-allow-origin"], "*")
        XCTAssertEqual(first.headers["keep-alive"], "timeout=5, max=4")
        XCTAssertEqual(try connection.send("GET", "/api/stop").body, #"{"status": "ok"}"#)
        XCTAssertEqual(try connection.send("GET", "/nowhere").status, 404)
        XCTAssertEqual(try connection.send("POST", "/api/generate", body: "{}").status, 400)
        let last = try connection.send("GET", "/api/stop")
        XCTAssertEqual(last.headers["connection"], "close", "the 5th request uses the connection up")
        XCTAssertTrue(connection.isClosedByPeer())
    }
}
