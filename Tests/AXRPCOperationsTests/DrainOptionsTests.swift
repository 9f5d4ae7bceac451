import ArgumentParser
import XCTest

@testable import AXRPCOperations

/// `--drain-timeout` and its old name `--shutdown-grace-seconds`, from every configuration source.
final class DrainOptionsTests: XCTestCase {
    /// The value after layering; `file` is read as the configuration file (named by AXRPC_CONFIG).
    private func seconds(_ arguments: [String], env: [String: String] = [:], file: String? = nil) throws -> Double {
        var env = env
        if file != nil { env["AXRPC_CONFIG"] = "f" }
        let layered = try LayeredArguments.build(commandLine: arguments, environment: env) { path throws(ConfigurationSourceError) in
            guard let file else { throw .unreadableFile(path: path, problem: "missing") }
            return file
        }
        return try DrainOptions.parse(layered.arguments).seconds
    }

    func testDefaultAndTheNewName() throws {
        XCTAssertEqual(try seconds([]), 5)
        XCTAssertEqual(try seconds(["--drain-timeout", "2.5"]), 2.5)
        XCTAssertEqual(DrainOptions.parseOrExit(["--drain-timeout", "0.25"]).grace, .milliseconds(250))
        XCTAssertEqual(try seconds([], env: ["AXRPC_DRAIN_TIMEOUT": "3"]), 3)
        XCTAssertEqual(try seconds([], file: "drain-timeout = 7\n"), 7)
    }

    /// The old name still works from every source, and the new one wins over it from any source.
    func testTheOldNameIsAnAlias() throws {
        XCTAssertEqual(try seconds(["--shutdown-grace-seconds", "9"]), 9)
        XCTAssertEqual(try seconds([], file: "shutdown-grace-seconds = 20\n"), 20)
        XCTAssertEqual(try seconds(["--drain-timeout", "1"], file: "shutdown-grace-seconds = 20\n"), 1)
        XCTAssertEqual(try seconds(["--shutdown-grace-seconds", "9"], env: ["AXRPC_DRAIN_TIMEOUT": "4"]), 4)
    }

    func testNegativeInfiniteOrHugeValuesAreRefused() {
        for value in ["-1", "inf", "nan", "1e300"] {
            XCTAssertThrowsError(try DrainOptions.parse(["--drain-timeout", value]), value)
            XCTAssertThrowsError(try DrainOptions.parse(["--shutdown-grace-seconds", value]), value)
        }
        XCTAssertEqual(try DrainOptions.parse(["--drain-timeout", "0"]).grace, .zero)
    }
}
