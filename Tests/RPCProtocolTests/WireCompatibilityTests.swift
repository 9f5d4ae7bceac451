import NIOCore
import XCTest
import RPCProtocol

/// Expected bytes come from `protoc --encode` (protobuf 3.21) on the same text messages.
final class WireCompatibilityTests: XCTestCase {
    private func hex(_ text: String) -> [UInt8] {
        text.split(separator: " ").compactMap { UInt8($0, radix: 16) }
    }

    private func assertWire<M: WireMessage & Equatable>(_ message: M, _ expected: String,
                                                          file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(serializedBytes(message), hex(expected), file: file, line: line)
        XCTAssertEqual(try M(wireBytes: ByteBuffer(bytes: hex(expected))), message, file: file, line: line)
    }

    func testGenerateRequest() throws {
        // model: "m" prompt: "hi ü" options { temperature: 0 top_k: 40 max_tokens: 0 stop: "a" stop: "b" }
        try assertWire(
            GenerateRequest(model: "m", prompt: "hi ü",
                            options: SamplingOptions(temperature: 0, topK: 40, maxTokens: 0, stop: ["a", "b"])),
            "0a 01 6d 12 05 68 69 20 c3 bc 22 0f 0d 00 00 00 00 18 28 28 00 32 01 61 32 01 62")
    }

    func testDoneEvent() throws {
        // done { finish_reason: FINISH_REASON_STOP_SEQUENCE usage { prompt_tokens: 3 completion_tokens: 4
        //   estimated: true } timings { queue_ms: 1.5 total_ms: 2 } context_reused: true model: "q" }
        try assertWire(
            GenerationEvent(event: .done(Completion(
                finishReason: .stopSequence, usage: Usage(promptTokens: 3, completionTokens: 4, estimated: true),
                timings: Timings(queueMs: 1.5, totalMs: 2), contextReused: true, model: "q"))),
            "1a 23 08 03 12 06 08 03 10 04 18 01 1a 12 09 00 00 00 00 00 00 f8 3f 21 00 00 00 00 00 00 00 40 20 01 2a 01 71")
    }

    func testHealthResponse() throws {
        try assertWire(
            HealthResponse(status: .serving, runtimeState: .busy, model: "q", queueDepth: 2, queueCapacity: 16,
                           uptimeSeconds: 5_000_000_000, runtimeRestarts: 1, lastError: "e", version: "v", emulated: true),
            "08 01 10 03 1a 01 71 20 02 28 10 30 80 e4 97 d0 12 38 01 42 01 65 4a 01 76 50 01")
    }

    func testChatRequestWithAnUnknownRole() throws {
        // model: "m" messages { role: ROLE_USER content: "x" } messages { role: 7 content: "" }
        try assertWire(
            ChatRequest(model: "m", messages: [ChatMessage(role: .user, content: "x"), ChatMessage(role: .unrecognized(7))]),
            "0a 01 6d 12 05 08 02 12 01 78 12 02 08 07")
    }
}
