import NIOCore
import XCTest
import RPCProtocol

final class InferenceMessageTests: XCTestCase {
    func testSamplingOptionsKeepPresenceOfZero() throws {
        let zeros = SamplingOptions(temperature: 0, topP: 0, topK: 0, repetitionPenalty: 0, maxTokens: 0)
        XCTAssertEqual(try roundTrip(zeros), zeros)
        // Field 1 as fixed32 0: the value is on the wire although it is the default.
        XCTAssertEqual(serializedBytes(SamplingOptions(temperature: 0)), [0x0D, 0, 0, 0, 0])
        XCTAssertEqual(serializedBytes(SamplingOptions(maxTokens: 0)), [0x28, 0])

        let unset = try roundTrip(SamplingOptions())
        XCTAssertNil(unset.temperature)
        XCTAssertNil(unset.topP)
        XCTAssertNil(unset.topK)
        XCTAssertNil(unset.repetitionPenalty)
        XCTAssertNil(unset.maxTokens)
        XCTAssertEqual(serializedBytes(SamplingOptions()), [])

        let some = SamplingOptions(temperature: 0.7, topK: 40, maxTokens: 256, stop: ["\n\n", "User:", "ストップ"])
        XCTAssertEqual(try roundTrip(some), some)
    }

    func testGenerateRequest() throws {
        let request = GenerateRequest(model: "qwen2.5-0.5b", prompt: "Grüße, 世界 🚀", system: "be brief",
                                      options: SamplingOptions(temperature: 0))
        XCTAssertEqual(try roundTrip(request), request)
        XCTAssertEqual(try roundTrip(GenerateRequest()), GenerateRequest())
        XCTAssertNil(try roundTrip(GenerateRequest(prompt: "x")).options)
        XCTAssertEqual(try roundTrip(GenerateRequest(options: SamplingOptions())).options, SamplingOptions())
    }

    func testChatRequestWithRolesIncludingUnknownOnes() throws {
        let request = ChatRequest(model: "m", messages: [
            ChatMessage(role: .system, content: "You are terse."),
            ChatMessage(role: .user, content: "Hallo ü"),
            ChatMessage(role: .assistant, content: ""),
            ChatMessage(role: .unrecognized(7), content: "future"),
            ChatMessage(role: .unrecognized(-1), content: "negative"),
            ChatMessage(role: .unspecified, content: "none"),
        ], options: SamplingOptions(topP: 0.9, stop: ["a"]))
        XCTAssertEqual(try roundTrip(request), request)
        XCTAssertEqual(Role(rawValue: 2), .user)
        XCTAssertEqual(Role(rawValue: 99), .unrecognized(99))
        XCTAssertEqual(Role.unrecognized(99).rawValue, 99)
    }

    func testGenerationEventCases() throws {
        let completion = Completion(
            finishReason: .stopSequence,
            usage: Usage(promptTokens: 12, completionTokens: 34, estimated: true),
            timings: Timings(queueMs: 1.5, timeToFirstTokenMs: 20.25, generationMs: 300, totalMs: 321.75,
                             tokensPerSecond: 113.3),
            contextReused: true, model: "qwen")
        for event in [GenerationEvent(event: .queued(QueueStatus(position: 1, queueDepth: 3))),
                      GenerationEvent(event: .queued(QueueStatus())),
                      GenerationEvent(event: .delta("piece ü")),
                      GenerationEvent(event: .delta("")),
                      GenerationEvent(event: .done(completion)),
                      GenerationEvent(event: .done(Completion())),
                      GenerationEvent()] {
            XCTAssertEqual(try roundTrip(event), event)
        }
        // An empty delta is still a delta: the oneof case goes on the wire.
        XCTAssertEqual(serializedBytes(GenerationEvent(event: .delta(""))), [0x12, 0x00])
    }

    func testCompletionOptionalsAndUnknownFinishReason() throws {
        let bare = try roundTrip(Completion(finishReason: .length))
        XCTAssertNil(bare.usage)
        XCTAssertNil(bare.timings)
        XCTAssertEqual(bare.finishReason, .length)
        XCTAssertEqual(try roundTrip(Completion(usage: Usage())).usage, Usage())
        XCTAssertEqual(try roundTrip(Completion(finishReason: .unrecognized(42))).finishReason, .unrecognized(42))
    }

    func testHealthMessages() throws {
        XCTAssertEqual(try roundTrip(HealthRequest()), HealthRequest())
        let response = HealthResponse(status: .serving, runtimeState: .busy, model: "qwen", queueDepth: 2,
                                      queueCapacity: 16, uptimeSeconds: UInt64(UInt32.max) + 5, runtimeRestarts: 1,
                                      lastError: "crashed: ü", version: "0.1.0", emulated: true)
        XCTAssertEqual(try roundTrip(response), response)
        XCTAssertEqual(try roundTrip(HealthResponse()), HealthResponse())
        for state: RuntimeState in [.unspecified, .starting, .ready, .busy, .restarting, .failed, .stopped, .unrecognized(9)] {
            XCTAssertEqual(try roundTrip(HealthResponse(runtimeState: state)).runtimeState, state)
            XCTAssertEqual(RuntimeState(rawValue: state.rawValue), state)
        }
        XCTAssertEqual(try roundTrip(HealthResponse(status: .unrecognized(5))).status, .unrecognized(5))
        XCTAssertEqual(try roundTrip(HealthResponse(status: .notServing)).status, .notServing)
    }

    func testModelMessages() throws {
        XCTAssertEqual(try roundTrip(ListModelsRequest()), ListModelsRequest())
        let response = ListModelsResponse(models: [
            ModelInfo(name: "qwen2.5-0.5b", family: "qwen", parameterSize: "0.5B", quantization: "w8a16",
                      contextLength: 2048, loaded: true, emulated: false, isDefault: true),
            ModelInfo(name: "tiny", emulated: true),
            ModelInfo(),
        ])
        XCTAssertEqual(try roundTrip(response), response)
        XCTAssertEqual(try roundTrip(ListModelsResponse()), ListModelsResponse())
    }

    func testProtoNames() {
        XCTAssertEqual(GenerateRequest.protoName, "axrpc.v1.GenerateRequest")
        XCTAssertEqual(HealthResponse.protoName, "axrpc.v1.HealthResponse")
        XCTAssertEqual(GenerationEvent.protoName, "axrpc.v1.GenerationEvent")
    }
}
