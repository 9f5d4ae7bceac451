import AXRPCFrontEnd
import EngineFakes
import Logging
import NIOCore
import RPCProtocol
import RuntimeBridge
import XCTest

@testable import AXRPCServerCore

/// `axrpc.v1.Inference` against a scripted engine: what reaches the bridge, what the client
/// receives, and how bridge failures become statuses. No transport involved.
final class InferenceServiceTests: XCTestCase {
    private func service(_ engine: ScriptedEngine) async -> InferenceService {
        InferenceService(engine: engine, info: ServerInfo(emulated: true, runtimeAttached: true),
                         status: await StatusCache(engine: engine), models: await engine.models())
    }

    private func call<Request: WireMessage>(_ service: InferenceService, _ path: String, _ request: Request,
                                            sink: RecordingSink) async throws {
        let route = try XCTUnwrap(service.routes.first { $0.path == path })
        var bytes = ByteBuffer()
        request.serialize(into: &bytes)
        let context = ServerContext(path: path, metadata: Metadata(), deadline: nil, peer: "test",
                                    logger: Logger(label: "test"))
        let final = try await route.handler(.single(bytes), sink, context)
        XCTAssertNil(final, "streaming calls send their messages through the sink")
    }

    func testGenerateRelaysQueueTextAndCompletion() async throws {
        let engine = ScriptedEngine(script: .reply(["Hello", " world"]))
        let sink = RecordingSink()
        let request = GenerateRequest(model: "qwen3:4b", prompt: "Hi", options: SamplingOptions(temperature: 0.5))
        try await call(await service(engine), MethodPath.Inference.generate, request, sink: sink)

        let events = try sink.messages(as: GenerationEvent.self).compactMap(\.event)
        XCTAssertEqual(events.count, 4)
        XCTAssertEqual(events[0], .queued(QueueStatus(position: 1, queueDepth: 1)))
        XCTAssertEqual(events[1], .delta("Hello"))
        XCTAssertEqual(events[2], .delta(" world"))
        guard case let .done(completion) = events[3] else { return XCTFail("no completion: \(events)") }
        XCTAssertEqual(completion.finishReason, .stop)

        let sent = try XCTUnwrap(engine.requests.first)
        XCTAssertEqual(sent.model, "qwen3:4b")
        XCTAssertEqual(sent.job, .generate(prompt: "Hi", system: nil))
        XCTAssertEqual(sent.sampling.temperature, 0.5)
    }

    func testEmptyPromptIsRefusedBeforeTheEngine() async throws {
        let engine = ScriptedEngine()
        do {
            try await call(await service(engine), MethodPath.Inference.generate, GenerateRequest(prompt: ""),
                           sink: RecordingSink())
            XCTFail("an empty prompt was accepted")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .invalidArgument)
        }
        XCTAssertTrue(engine.requests.isEmpty)
    }

    func testChatMustEndWithTheUser() async throws {
        let engine = ScriptedEngine()
        let request = ChatRequest(messages: [ChatMessage(role: .user, content: "Hi"),
                                             ChatMessage(role: .assistant, content: "Hello")])
        do {
            try await call(await service(engine), MethodPath.Inference.chat, request, sink: RecordingSink())
            XCTFail("a chat ending with the assistant was accepted")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .invalidArgument)
        }
        XCTAssertTrue(engine.requests.isEmpty)
    }

    func testChatTurnsReachTheBridge() async throws {
        let engine = ScriptedEngine()
        let request = ChatRequest(messages: [ChatMessage(role: .system, content: "Be brief."),
                                             ChatMessage(role: .user, content: "Hi")])
        try await call(await service(engine), MethodPath.Inference.chat, request, sink: RecordingSink())
        XCTAssertEqual(engine.requests.first?.job,
                       .chat([ChatTurn(role: .system, content: "Be brief."), ChatTurn(role: .user, content: "Hi")]))
    }

    func testAFullQueueIsResourceExhaustedWithPushback() async throws {
        let engine = ScriptedEngine(script: .init(updates: [], failure: .queueFull(capacity: 8, retryAfterMilliseconds: 1500)))
        do {
            try await call(await service(engine), MethodPath.Inference.generate, GenerateRequest(prompt: "Hi"),
                           sink: RecordingSink())
            XCTFail("a full queue was not reported")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .resourceExhausted)
            XCTAssertEqual(error.trailers["grpc-retry-pushback-ms"], "1500")
        }
    }

    func testJSONOutputThatDoesNotParseIsInternal() async throws {
        let engine = ScriptedEngine(script: .reply(["not ", "json"]))
        let request = GenerateRequest(prompt: "A film", format: OutputFormat(json: true))
        let sink = RecordingSink()
        do {
            try await call(await service(engine), MethodPath.Inference.generate, request, sink: sink)
            XCTFail("a reply that is not JSON was accepted")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .internalError)
        }
        // JSON is checked whole: none of the text went out before the verdict.
        let deltas = try sink.messages(as: GenerationEvent.self).filter {
            if case .delta = $0.event { return true } else { return false }
        }
        XCTAssertEqual(deltas, [])
    }

    func testListModelsAndHealthAnswerFromTheEngine() async throws {
        let engine = ScriptedEngine()
        let service = await service(engine)
        let models = try XCTUnwrap(service.routes.first { $0.path == MethodPath.Inference.listModels }?.immediate)
        let context = ServerContext(path: "", metadata: Metadata(), deadline: nil, peer: "test", logger: Logger(label: "test"))
        var framed = try models(ByteBuffer(), context)
        framed.moveReaderIndex(forwardBy: 5)
        let list = try ListModelsResponse(wireBytes: framed)
        XCTAssertEqual(list.models.map(\.name), ["qwen3:4b"])
        let status = await engine.status()
        XCTAssertEqual(service.healthResponse(status).status, .serving)

        let health = try XCTUnwrap(service.routes.first { $0.path == MethodPath.Inference.health }?.immediate)
        var reply = try health(ByteBuffer(), context)
        reply.moveReaderIndex(forwardBy: 5)
        let answer = try HealthResponse(wireBytes: reply)
        XCTAssertEqual(answer.status, .serving)
        XCTAssertEqual(answer.model, "qwen3:4b")
        XCTAssertEqual(answer.queueCapacity, 8)
        XCTAssertThrowsError(try health(ByteBuffer(bytes: [0xFF]), context), "a malformed request is refused, not answered from the cache")
    }
}
