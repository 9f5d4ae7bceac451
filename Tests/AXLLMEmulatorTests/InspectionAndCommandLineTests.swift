import ArgumentParser
import Foundation
import XCTest
@testable import AXLLMEmulator

/// `/__emulator/state`, the response JSON encoding and the command line.
final class InspectionAndCommandLineTests: XCTestCase {
    func testStateRecordsCallsInOrder() throws {
        let harness = EngineHarness { $0.replyTokens = 3 }
        harness.reset(#"{"system_prompt": "S"}"#)
        harness.clock.advance(milliseconds: 5)  // dispatch: the reset runs
        harness.generate(prompt: "too early")
        harness.clock.advance(milliseconds: 50)
        _ = harness.reply(to: #"{"prompt": "hi", "temperature": 0.5, "top-k": 40, "extra": [1]}"#)
        harness.request("GET", "/api/stop")

        let state = harness.state()
        XCTAssertEqual(state["generate_calls"] as? Int, 2)
        XCTAssertEqual(state["resets"] as? Int, 1)
        XCTAssertEqual(state["stops"] as? Int, 1)
        XCTAssertEqual(state["busy_rejections"] as? Int, 1)
        XCTAssertEqual(state["busy"] as? Bool, false)
        XCTAssertEqual(state["held_context_tokens"] as? Int, 1 + 1 + 7)
        let calls = try XCTUnwrap(state["calls"] as? [[String: Any]])
        XCTAssertEqual(calls.map { $0["kind"] as? String }, ["reset", "generate", "generate", "stop"])
        XCTAssertEqual(calls[0]["system_prompt"] as? String, "S")
        XCTAssertEqual(calls[1]["status"] as? Int, 400)
        XCTAssertEqual(calls[2]["prompt"] as? String, "hi")
        XCTAssertEqual(calls[2]["temperature"] as? Double, 0.5)
        XCTAssertEqual(calls[2]["top_k"] as? Int, 40)
        XCTAssertTrue(calls[2]["top_p"] is NSNull)
        XCTAssertEqual(calls[2]["keys_present"] as? [String], ["extra", "prompt", "temperature", "top-k"])
        let sampling = try XCTUnwrap(state["sampling"] as? [String: Any])
        XCTAssertEqual(sampling["temperature"] as? Double, 0.5)
        XCTAssertEqual(sampling["top_k"] as? Int, 40)
        XCTAssertEqual(sampling["mode"] as? String, "top_k")
        let texts = try XCTUnwrap(state["generated_text"] as? [String])
        XCTAssertEqual(texts.count, 1)
        XCTAssertTrue(texts[0].hasPrefix("<think>\n\n</think>\n\n"))

        XCTAssertEqual(harness.request("POST", "/__emulator/reset-state").status, 200)
        let cleared = harness.state()
        XCTAssertEqual(cleared["generate_calls"] as? Int, 0)
        XCTAssertEqual((cleared["calls"] as? [Any])?.count, 0)
        XCTAssertEqual(cleared["held_context_tokens"] as? Int, 9, "the engine itself is untouched")
    }

    func testResponseStringsAreEscapedLikeNlohmann() {
        XCTAssertEqual(RuntimeJSON.quoted("a\"b\\c\n\t\u{01}/日本🙂"), #""a\"b\\c\n\t\u0001/日本🙂""#)
        XCTAssertEqual(RuntimeJSON.providerChunk(response: "x", done: false), #"{"done":false,"response":"x"}"#)
    }

    func testRequestJSONKeepsNumbersAndBooleansApart() {
        XCTAssertEqual(JSONValue.parse(Array(#"[1, 0, true, 1.5, null, "s", {"k": []}]"#.utf8)),
                       .array([.number(1), .number(0), .bool(true), .number(1.5), .null, .string("s"),
                               .object(["k": .array([])])]))
        XCTAssertEqual(JSONValue.parse(Array(#" {"a": "\u00e9\ud83d\ude42\n", "a": -0.5e1} "#.utf8)),
                       .object(["a": .number(-5)]), "the last duplicate wins")
        XCTAssertEqual(JSONValue.parse(Array(#""\u00e9\ud83d\ude42\/""#.utf8)), .string("é🙂/"))
        for bad in ["", "{\"a\": 1,}", "[1,]", "{} x", "01", "1.", "\"\u{01}\"", "\"\\ud800\"", "1e400", "{'a': 1}",
                    "// c\n{}", "tru", "[" + String(repeating: "[", count: 600)] {
            XCTAssertNil(JSONValue.parse(Array(bad.utf8)), bad)
        }
        XCTAssertNil(JSONValue.parse([0x22, 0xC3, 0x22]), "invalid UTF-8")
    }

    func testVendorFlagsAreAccepted() throws {
        let command = try EmulatorCommand.parse([
            "--port", "0", "--tokens-per-second", "1000", "--reply-tokens", "50",
            "--system_prompt", "hi", "--axmodel_num", "28", "--devices", "1,2",
            "--template_filename_axmodel", "m/l%d.axmodel", "--url_tokenizer_model=http://127.0.0.1:1",
        ])
        XCTAssertEqual(command.options.port, 0)
        XCTAssertEqual(command.options.engineConfiguration.replyTokens, 50)
        XCTAssertEqual(command.options.engineConfiguration.maxTokenLength, 2559)
        XCTAssertEqual(command.vendor.axmodelNum, 28)
        XCTAssertEqual(command.vendor.firstDevice, "1")
        XCTAssertEqual(command.vendor.firstLayerModelPath, "m/l0.axmodel")
    }

    func testUnknownOptionsAreReportedLikeTheVendorBinary() {
        do {
            _ = try EmulatorCommand.parseAsRoot(["--live_print"])
            XCTFail("must not parse")
        } catch {
            XCTAssertEqual(EmulatorMain.unknownOption(in: EmulatorCommand.message(for: error)), "--live_print")
        }
        XCTAssertThrowsError(try EmulatorCommand.parse(["--tokens-per-second", "0"]))
    }
}
