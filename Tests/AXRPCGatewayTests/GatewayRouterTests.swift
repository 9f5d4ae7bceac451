import AXRPCFrontEnd
import EngineFakes
import Logging
import NIOCore
import NIOPosix
import RuntimeBridge
import XCTest

@testable import AXRPCGateway

/// The gateway on a real socket against a scripted engine: routing, the two APIs' shapes, the
/// errors each dialect renders, CORS, and what reaches the bridge.
final class GatewayRouterTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var gateway: HTTPGateway!
    private var port = 0
    private var engine: ScriptedEngine!

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        engine = ScriptedEngine()
        gateway = HTTPGateway(engine: engine, info: ServerInfo(emulated: true, runtimeAttached: true), group: group,
                              logger: Logger(label: "test"))
        port = try await gateway.start(host: "127.0.0.1", port: 0).port ?? 0
    }

    override func tearDown() async throws {
        await gateway.shutdown(grace: .seconds(1))
        try await group.shutdownGracefully()
    }

    private func send(_ method: String, _ path: String, body: String = "",
                      headers: [String] = []) async throws -> HTTPExchange.Response {
        try await HTTPExchange.send(method, path, body: body, headers: headers, port: port, group: group)
    }

    func testOllamaGenerateAnswersWholeWhenNotStreaming() async throws {
        let response = try await send("POST", "/api/generate",
                                      body: #"{"model": "qwen3:4b", "prompt": "Hi", "stream": false}"#)
        XCTAssertEqual(response.status, 200, response.body)
        XCTAssertTrue(response.body.contains(#""response":"Hello world""#), response.body)
        XCTAssertEqual(engine.requests.first?.job, .generate(prompt: "Hi", system: nil))
    }

    func testOpenAIChatCompletionCarriesTheReply() async throws {
        let response = try await send("POST", "/v1/chat/completions",
                                      body: #"{"model": "qwen3:4b", "messages": [{"role": "user", "content": "Hi"}]}"#)
        XCTAssertEqual(response.status, 200, response.body)
        XCTAssertTrue(response.body.contains(#""content":"Hello world""#), response.body)
        XCTAssertEqual(engine.requests.first?.job, .chat([ChatTurn(role: .user, content: "Hi")]))
    }

    func testUnknownPathIsNotFoundInTheDialectOfItsPrefix() async throws {
        let openAI = try await send("GET", "/v1/nothing")
        XCTAssertEqual(openAI.status, 404)
        XCTAssertTrue(openAI.body.contains(#""error":{"#), "OpenAI's error object: \(openAI.body)")
        let ollama = try await send("GET", "/api/nothing")
        XCTAssertEqual(ollama.status, 404)
        XCTAssertTrue(ollama.body.contains(#""error":""#), "Ollama's error string: \(ollama.body)")
    }

    func testWrongMethodIsNotAllowedAndNamesTheAllowedOne() async throws {
        let response = try await send("GET", "/api/generate")
        XCTAssertEqual(response.status, 405)
        XCTAssertTrue(response.head.lowercased().contains("allow: post"), response.head)
    }

    func testARefusedFieldIsABadRequestNamingIt() async throws {
        let response = try await send("POST", "/api/generate",
                                      body: #"{"model": "qwen3:4b", "prompt": "Hi", "suffix": "x", "stream": false}"#)
        XCTAssertEqual(response.status, 400)
        XCTAssertTrue(response.body.contains("suffix"), response.body)
        XCTAssertTrue(engine.requests.isEmpty)
    }

    func testAForeignOriginIsRefusedBeforeTheEngineRuns() async throws {
        let response = try await send("POST", "/api/generate", body: #"{"prompt": "Hi", "stream": false}"#,
                                      headers: ["Origin: https://evil.example"])
        XCTAssertEqual(response.status, 403)
        XCTAssertTrue(engine.requests.isEmpty)
    }

    func testAFullQueueIsServiceUnavailableWithRetryAfter() async throws {
        engine.answer(with: .init(updates: [], failure: .queueFull(capacity: 8, retryAfterMilliseconds: 2000)))
        let response = try await send("POST", "/v1/chat/completions",
                                      body: #"{"messages": [{"role": "user", "content": "Hi"}]}"#)
        XCTAssertEqual(response.status, 503, response.body)
        XCTAssertTrue(response.head.lowercased().contains("retry-after: 2"), response.head)
    }

    func testReadinessFollowsTheEngine() async throws {
        let response = try await send("GET", "/readyz")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.body.contains(#""runtime_state":"ready""#), response.body)
    }
}
