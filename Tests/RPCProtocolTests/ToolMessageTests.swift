import NIOCore
import XCTest
import RPCProtocol

/// The tool-calling and JSON-output fields added to `axrpc.v1` survive the wire, and leave the
/// encoding of messages that do not use them unchanged (older clients see the same bytes).
final class ToolMessageTests: XCTestCase {
    func testChatRequestWithToolsRoundTrips() throws {
        let call = ToolCall(id: "call_1", name: "get_weather", argumentsJSON: #"{"city":"Oslo"}"#)
        let request = ChatRequest(
            model: "m",
            messages: [ChatMessage(role: .user, content: "Weather?"),
                       ChatMessage(role: .assistant, toolCalls: [call]),
                       ChatMessage(role: .tool, content: "3 C", toolCallID: "call_1", name: "get_weather")],
            tools: [Tool(name: "get_weather", description: "Weather for a city", parametersJSON: #"{"type":"object"}"#)],
            toolChoice: "required", format: OutputFormat(json: true, jsonSchema: #"{"type":"object"}"#))
        XCTAssertEqual(try roundTrip(request), request)
        XCTAssertEqual(try roundTrip(GenerateRequest(prompt: "x", format: OutputFormat(json: true))).format,
                       OutputFormat(json: true))
    }

    func testToolCallEventAndFinishReason() throws {
        let event = GenerationEvent(event: .toolCall(ToolCall(id: "call_2", name: "f", argumentsJSON: "{}")))
        XCTAssertEqual(try roundTrip(event), event)
        XCTAssertEqual(FinishReason(rawValue: 4), .toolCalls)
        XCTAssertEqual(Role(rawValue: 4), .tool)
    }

    func testMessagesWithoutTheNewFieldsEncodeAsBefore() {
        // role 2 (field 1 varint), content "hi" (field 2): nothing for the empty new fields.
        XCTAssertEqual(serializedBytes(ChatMessage(role: .user, content: "hi")), [0x08, 0x02, 0x12, 0x02, 0x68, 0x69])
    }
}
