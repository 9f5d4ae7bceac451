import XCTest

@testable import AXRPCFrontEnd

/// Tool-call parsing, JSON checking and the order-keeping JSON parser: what turns a model's text
/// into tool calls or validated JSON, including the malformed output a real model produces.
final class StructuredReplyTests: XCTestCase {
    private func split(_ chunks: [String]) -> [ToolCallSplitter.Piece] {
        var splitter = ToolCallSplitter()
        var pieces = chunks.flatMap { splitter.push($0) }
        pieces += splitter.finish()
        return pieces
    }

    private func calls(_ pieces: [ToolCallSplitter.Piece]) -> [String] {
        pieces.compactMap { if case let .call(call) = $0 { return call.name + call.arguments.serialized() } else { return nil } }
    }

    private func text(_ pieces: [ToolCallSplitter.Piece]) -> String {
        pieces.map { if case let .text(text) = $0 { return text } else { return "" } }.joined()
    }

    func testCallSplitAcrossChunksIsFound() {
        let reply = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>"
        let chunks = stride(from: 0, to: reply.count, by: 3).map {
            String(reply.dropFirst($0).prefix(3))
        }
        let pieces = split(chunks)
        XCTAssertEqual(calls(pieces), ["f{\"a\":1}"])
        XCTAssertEqual(text(pieces), "")
    }

    func testTextBeforeAndSeveralCalls() {
        let pieces = split(["Let me check.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n",
                            "<tool_call>\n{\"name\": \"b\", \"arguments\": \"{\\\"x\\\": [1]}\"}\n</tool_call>"])
        XCTAssertEqual(calls(pieces), ["a{}", "b{\"x\":[1]}"])
        XCTAssertEqual(text(pieces), "Let me check.")
    }

    func testMalformedCallStaysText() {
        let broken = "<tool_call>\n{\"name\": \"f\", \"arguments\": {oops}\n</tool_call>"
        XCTAssertEqual(text(split([broken])), broken)
        XCTAssertEqual(text(split(["<tool_call>{\"arguments\": {}}</tool_call>"])),
                       "<tool_call>{\"arguments\": {}}</tool_call>")
        XCTAssertEqual(text(split(["a < b and <tool"])), "a < b and <tool")
    }

    func testUnclosedCallIsParsedAtTheEnd() {
        XCTAssertEqual(calls(split(["<tool_call>\n{\"name\": \"f\", \"arguments\": {}}"])), ["f{}"])
    }

    func testRequiredCallMissingIsAFailure() {
        var shaper = ReplyShaper(ReplyShaping(parsesToolCalls: true, requiresToolCall: true))
        XCTAssertEqual(shaper.push("I will not call anything."), [])
        guard case let .failure(failure) = shaper.finish() else { return XCTFail("expected a failure") }
        XCTAssertEqual(failure.code, "tool_call_missing")
        XCTAssertTrue(failure.message.contains("I will not call anything."))
    }

    func testJSONFencesAreStrippedAndSchemaChecked() throws {
        let schema = try XCTUnwrap(JSONValue.parse(text: """
            {"type": "object", "properties": {"name": {"type": "string"}, "tags": {"type": "array",
             "items": {"$ref": "#/$defs/Tag"}}}, "required": ["name"], "additionalProperties": false,
             "$defs": {"Tag": {"enum": ["a", "b"]}}}
            """))
        let output = JSONOutput(schema: schema)
        XCTAssertEqual(try output.check("```json\n{\"name\": \"x\", \"tags\": [\"a\"]}\n```").get(),
                       "{\"name\": \"x\", \"tags\": [\"a\"]}")
        for (reply, problem) in [("{\"tags\": []}", "$.name is required"),
                                 ("{\"name\": 1}", "$.name must be string"),
                                 ("{\"name\": \"x\", \"tags\": [\"c\"]}", "$.tags[0] must be one of"),
                                 ("{\"name\": \"x\", \"extra\": 1}", "$.extra is not an allowed property"),
                                 ("Sure! {\"name\"", "not valid JSON")] {
            guard case let .failure(failure) = output.check(reply) else { return XCTFail("accepted \(reply)") }
            XCTAssertTrue(failure.message.contains(problem), failure.message)
        }
    }

    func testParserKeepsKeyOrderAndIsStrict() {
        let value = JSONValue.parse(text: "{\"z\": 1, \"a\": [true, null, -1.5e2, \"\\u00e9\\ud83d\\ude00\"]}")
        XCTAssertEqual(value?.objectKeys, ["z", "a"])
        XCTAssertEqual(value?.serialized(), "{\"z\":1,\"a\":[true,null,-150.0,\"é😀\"]}")
        for bad in ["{\"a\": 1,}", "[01]", "\"\\ud800\"", "{} x", "\"a\nb\"", "tru", "{\"a\" 1}", ""] {
            XCTAssertNil(JSONValue.parse(text: bad), bad)
        }
    }

    func testToolPromptIsQwensBlock() throws {
        let tool = try ToolSpec.read(JSONValue.parse(text: """
            {"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object"}}}
            """) ?? nil, field: "tools[0]")
        let system = ToolPrompt.system(base: "Be brief.", tools: [tool], choice: .auto)
        XCTAssertEqual(system, "Be brief.\n\n# Tools\n\nYou may call one or more functions to assist with the user query."
            + "\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"f\", \"description\": \"d\", \"parameters\": {\"type\": \"object\"}}}"
            + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
            + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
            + "<args-json-object>}\n</tool_call>")
        XCTAssertNil(ToolPrompt.system(base: nil, tools: [tool], choice: .none))
    }
}
