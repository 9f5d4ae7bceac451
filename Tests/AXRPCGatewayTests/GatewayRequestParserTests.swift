import AXRPCFrontEnd
import EngineFakes
import Logging
import NIOHTTP1
import RuntimeBridge
import XCTest

@testable import AXRPCGateway
@testable import AXRPCGatewayRequests

/// `GatewayRequestParser` without a socket: its route list is the router's, and each route's
/// reading gives the value or the client error its handler answers with.
final class GatewayRequestParserTests: XCTestCase {
    private let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    private func request(_ method: HTTPMethod, _ uri: String, _ body: String) -> GatewayRequest {
        GatewayRequest(head: HTTPRequestHead(version: .http1_1, method: method, uri: uri),
                       body: Array(body.utf8), logger: logger)
    }

    private func parse(_ route: GatewayRequestParser.Route, uri: String? = nil,
                       _ body: String) throws(GatewayError) -> GatewayRequestParser.Parsed {
        try GatewayRequestParser.parse(route, request(route.method, uri ?? route.path, body))
    }

    /// Every route that reads its request (a body, or a path parameter) is in `Route`, with the
    /// router's method, and nothing else is: the fuzz target then reaches every route.
    func testRoutesAreTheRoutersRoutesThatReadTheirRequest() {
        let context = GatewayContext(engine: ScriptedEngine(), info: ServerInfo(emulated: true, runtimeAttached: true),
                                     logger: logger, metrics: nil)
        let reading = GatewayRouter(context: context).routes.filter { $0.method != .GET || $0.takesParameter }
        XCTAssertEqual(Set(reading.map { "\($0.method) \($0.path)" }),
                       Set(GatewayRequestParser.Route.allCases.map { "\($0.method) \($0.path)" }))
        for route in reading {
            XCTAssertEqual(GatewayRequestParser.Route(rawValue: route.path)?.dialect, route.dialect, route.path)
        }
    }

    func testOllamaGenerateReadsTheBodyAndIgnoresTheQuery() throws {
        let parsed = try parse(.ollamaGenerate, uri: "/api/generate/?x=1",
                               #"{"model": "qwen3:4b", "prompt": "Hi", "stream": false, "options": {"top_k": 5}}"#)
        guard case let .ollamaGeneration(request) = parsed else { return XCTFail("\(parsed)") }
        XCTAssertEqual(request.model, "qwen3:4b")
        XCTAssertFalse(request.stream)
        XCTAssertEqual(request.sampling.topK, 5)
        guard case let .generate(prompt, _) = request.job else { return XCTFail("\(request.job)") }
        XCTAssertEqual(prompt, "Hi")
    }

    func testBodiesThatAreNotAnObjectAreA400NamingTheProblem() {
        for (body, message) in [("", "empty"), ("{", "not valid JSON"), ("[1]", "must be a JSON object")] {
            for route in [GatewayRequestParser.Route.ollamaChat, .openAIChat, .openAICompletion, .ollamaShow, .ollamaPull] {
                XCTAssertThrowsError(try parse(route, body), "\(route) \(body)") { error in
                    guard let error = error as? GatewayError else { return XCTFail("\(error)") }
                    XCTAssertEqual(error.status, .badRequest)
                    XCTAssertEqual(error.code, "invalid_json")
                    XCTAssertTrue(error.message.contains(message), error.message)
                }
            }
        }
    }

    func testOpenAIChatRefusesAMistypedFieldByName() {
        XCTAssertThrowsError(try parse(.openAIChat, #"{"messages": [{"role": "user", "content": "Hi"}], "top_p": "high"}"#)) {
            XCTAssertEqual(($0 as? GatewayError)?.message, "top_p must be a number")
        }
        XCTAssertThrowsError(try parse(.openAIChat, #"{"model": "m"}"#)) {
            XCTAssertEqual(($0 as? GatewayError)?.status, .badRequest)
        }
    }

    /// A mistyped `stream` is kept for after the model lookup, so an unknown model stays a 404.
    func testPullKeepsAMistypedStreamForLater() throws {
        guard case let .pull(pull) = try parse(.ollamaPull, #"{"name": "qwen3:4b", "stream": "yes"}"#) else {
            return XCTFail("not a pull")
        }
        XCTAssertEqual(pull.name, "qwen3:4b")
        XCTAssertThrowsError(try pull.stream.get())
        guard case let .pull(plain) = try parse(.ollamaPull, #"{"model": "m"}"#) else { return XCTFail("not a pull") }
        XCTAssertEqual(try plain.stream.get(), true)
    }

    func testManagementAndModelRoutesNeverRefuseTheirInput() throws {
        guard case let .modelName(name) = try parse(.ollamaDelete, "not json") else { return XCTFail("not a name") }
        XCTAssertNil(name)
        guard case let .modelName(named) = try parse(.ollamaCopy, #"{"model": "m:1"}"#) else { return XCTFail("not a name") }
        XCTAssertEqual(named, "m:1")
        guard case let .modelID(id) = try parse(.openAIModel, uri: "/v1/models/org%2Fqwen3%3A4b?x", "") else {
            return XCTFail("not an id")
        }
        XCTAssertEqual(id, "org/qwen3:4b")
        XCTAssertEqual(GatewayRequestParser.modelID(path: "/v1/models/bad%zz"), "bad%zz")
    }
}
