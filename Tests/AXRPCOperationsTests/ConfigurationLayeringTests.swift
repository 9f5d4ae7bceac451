import XCTest

@testable import AXRPCFrontEnd
@testable import AXRPCOperations

/// The configuration file format and the layering flag > environment > file > default.
final class ConfigurationLayeringTests: XCTestCase {
    private func layered(_ commandLine: [String], env: [String: String] = [:], file: String? = nil)
        throws(ConfigurationSourceError) -> LayeredArguments {
        try LayeredArguments.build(commandLine: commandLine, environment: env) { path throws(ConfigurationSourceError) in
            guard let file else { throw .unreadableFile(path: path, problem: "missing") }
            return file
        }
    }

    func testFileValuesQuotesAndComments() throws {
        let file = try ConfigurationFile.parse("""
            # comment
              grpc-port = 50052   # trailing comment
            emulator-args = "--port 5 # kept \\"quoted\\""
            --log-level=debug

            """, path: "/etc/axrpc.conf")
        XCTAssertEqual(file.entries.map(\.key), ["grpc-port", "emulator-args", "log-level"])
        XCTAssertEqual(file.entries.map(\.value), ["50052", "--port 5 # kept \"quoted\"", "debug"])
        XCTAssertEqual(file.entries.map(\.line), [2, 3, 4])
    }

    func testFileErrorsNameLineAndKey() {
        XCTAssertThrowsError(try ConfigurationFile.parse("host = a\nhost = b\n", path: "f")) { error in
            XCTAssertEqual("\(error)", "config file f, line 2, key \"host\": set twice (first on line 1)")
        }
        XCTAssertThrowsError(try ConfigurationFile.parse("just words\n", path: "f")) { error in
            XCTAssertTrue("\(error)".hasPrefix("config file f, line 1: expected `key = value`"), "\(error)")
        }
        XCTAssertThrowsError(try ConfigurationFile.parse("host = \"open\n", path: "f")) { error in
            XCTAssertEqual("\(error)", "config file f, line 1, key \"host\": the opening double quote is never closed")
        }
    }

    func testPrecedenceFlagOverEnvironmentOverFile() throws {
        let file = "queue-capacity = 5\nhost = 0.0.0.0\nlog-level = debug\n"
        let result = try layered(["--config", "c", "--queue-capacity", "3"],
                                 env: ["AXRPC_HOST": "::1", "AXRPC_SERVER": "not a flag"], file: file)
        // Only the winning source of each setting is passed on; the command line comes last.
        XCTAssertEqual(result.arguments, ["--host=::1", "--log-level=debug", "--config", "c", "--queue-capacity", "3"])
        XCTAssertEqual(result.origins["--host"], "environment variable AXRPC_HOST")
        XCTAssertEqual(result.origins["--log-level"], "config file c, line 3, key \"log-level\"")
        XCTAssertNil(result.origins["--queue-capacity"])
    }

    func testAListSettingBecomesOneFlagPerValue() throws {
        let result = try layered(["--config", "c"], file: "cors-origin = https://a.example, https://b.example\n")
        XCTAssertEqual(result.arguments, ["--cors-origin=https://a.example", "--cors-origin=https://b.example",
                                          "--config", "c"])
    }

    func testSwitchesFromEnvironmentOverrideTheFile() throws {
        let on = try layered([], env: ["AXRPC_CONFIG": "c"], file: "no-runtime = yes\n")
        XCTAssertEqual(on.arguments, ["--no-runtime"])
        let off = try layered([], env: ["AXRPC_CONFIG": "c", "AXRPC_NO_RUNTIME": "false"], file: "no-runtime = yes\n")
        XCTAssertEqual(off.arguments, [])
        XCTAssertThrowsError(try layered([], env: ["AXRPC_ATTACH": "maybe"])) { error in
            XCTAssertEqual("\(error)", "environment variable AXRPC_ATTACH: \"maybe\" is not true or false")
        }
    }

    func testOriginsAreNamedForMessagesThatMentionTheFlag() throws {
        let result = try layered([], env: ["AXRPC_QUEUE_CAPACITY": "0", "AXRPC_HOST": "x"])
        XCTAssertEqual(result.originsMentioned(in: "--queue-capacity must be at least 1"),
                       ["--queue-capacity came from the environment variable AXRPC_QUEUE_CAPACITY"])
        // --host is not --host-name: whole flags only.
        XCTAssertEqual(result.originsMentioned(in: "--host-name is odd"), [])
    }
}
