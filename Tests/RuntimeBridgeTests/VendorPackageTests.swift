import XCTest

@testable import RuntimeBridge

/// Reading the vendor's run script with the shell's word rules, and the names derived from a
/// package folder.
final class VendorPackageTests: XCTestCase {
    func testRunScriptCommandLineWithContinuationsAndQuotes() throws {
        let script = try VendorRunScript.parse("""
            #!/bin/bash
            # comment
            ./main_api_axcl_aarch64 \\
            --system_prompt "You are \\"helpful\\"." \\
            --template_filename_axmodel 'qwen3-4b-ax650/qwen3_p128_l%d_together.axmodel' \\
            --devices 0
            echo done
            """, path: "run.sh")
        XCTAssertEqual(script.program, "./main_api_axcl_aarch64")
        XCTAssertEqual(script.arguments, ["--system_prompt", "You are \"helpful\".", "--template_filename_axmodel",
                                          "qwen3-4b-ax650/qwen3_p128_l%d_together.axmodel", "--devices", "0"])
        XCTAssertEqual(script.value(of: "--devices"), "0")
    }

    func testScriptWithoutARuntimeCommandIsAnError() {
        XCTAssertThrowsError(try VendorRunScript.parse("echo hi\n", path: "run.sh")) { error in
            XCTAssertTrue("\(error)".hasPrefix("run.sh: no command starting a main_* runtime program"), "\(error)")
        }
        XCTAssertThrowsError(try VendorRunScript.parse("./main 'open\n", path: "run.sh"))
    }

    func testNamesFromTheFolderAndScript() {
        XCTAssertEqual(VendorPackage.derivedNames(from: "/m/Qwen3-4B").name, "qwen3:4b")
        XCTAssertEqual(VendorPackage.derivedNames(from: "/m/Qwen2.5-1.5B").name, "qwen2.5:1.5b")
        XCTAssertEqual(VendorPackage.derivedNames(from: "/m/mymodel").name, "mymodel")
        XCTAssertEqual(VendorPackage.quantization("/m/run_qwen3_4b_int8_ctx_axcl_aarch64.sh"), "int8")
        XCTAssertEqual(VendorPackage.quantization("/m/run_axcl_aarch64.sh"), "")
    }

    func testJSONTextEscapes() {
        XCTAssertEqual(JSONText.quoted("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"")
    }
}
