import XCTest

@testable import AXLLMEmulator

/// The emulator's deterministic tool-call and JSON replies (the contract in StructuredReplies).
final class StructuredRepliesTests: XCTestCase {
    private let tools = "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
        + "{\"type\": \"function\", \"function\": {\"name\": \"lookup\", \"parameters\": {\"type\": \"object\", "
        + "\"properties\": {\"q\": {\"type\": \"string\"}, \"n\": {\"type\": \"integer\"}, \"opt\": {\"anyOf\": "
        + "[{\"type\": \"number\"}, {\"type\": \"null\"}]}, \"item\": {\"$ref\": \"#/$defs/Item\"}}, "
        + "\"$defs\": {\"Item\": {\"type\": \"object\", \"properties\": {\"ok\": {\"type\": \"boolean\"}}}}}}}\n"
        + "{\"type\": \"function\", \"function\": {\"name\": \"second\"}}\n</tools>\n\nFor each function call..."

    func testToolsAskForACallOfTheFirstTool() {
        let body = StructuredReplies.body(systemPrompt: tools, prompt: "hi", seed: 1)
        XCTAssertEqual(body, "<tool_call>\n{\"name\": \"lookup\", \"arguments\": {\"q\": \"example\", \"n\": 1, "
            + "\"opt\": 1.5, \"item\": {\"ok\": true}}}\n</tool_call>")
    }

    func testToolResponseGetsAnOrdinaryReply() {
        XCTAssertNil(StructuredReplies.body(systemPrompt: tools, prompt: "<tool_response>\n1\n</tool_response>", seed: 1))
        XCTAssertNil(StructuredReplies.body(systemPrompt: "You are Qwen.", prompt: "hi", seed: 1))
    }

    func testJSONInstructionWithAndWithoutSchema() {
        let schema = "Respond with a JSON object only, please.\nJSON schema: {\"type\":\"object\",\"properties\":"
            + "{\"kind\":{\"enum\":[\"x\",\"y\"]},\"list\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}}}"
        XCTAssertEqual(StructuredReplies.body(systemPrompt: schema, prompt: "hi", seed: 1), "{\"kind\":\"x\",\"list\":[1]}")
        let plain = StructuredReplies.body(systemPrompt: "", prompt: "Respond with a JSON object only", seed: 7)
        XCTAssertEqual(plain, StructuredReplies.body(systemPrompt: "", prompt: "Respond with a JSON object only", seed: 7))
        XCTAssertTrue(plain?.hasPrefix("{\"answer\":\"") == true, plain ?? "nil")
    }

    func testTokensAreShortAndRebuildTheBody() {
        let tokens = StructuredReplies.replyTokens(systemPrompt: tools, prompt: "hi", seed: 1) ?? []
        let body = tokens.dropFirst(4).map { String(decoding: $0, as: UTF8.self) }.joined()
        XCTAssertEqual(body, StructuredReplies.body(systemPrompt: tools, prompt: "hi", seed: 1))
        XCTAssertTrue(tokens.dropFirst(4).allSatisfy { $0.count <= 16 })
    }
}
