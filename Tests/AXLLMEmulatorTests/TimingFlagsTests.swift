import XCTest
@testable import AXLLMEmulator

/// `--profile` presets and the timing flags that override them.
final class TimingFlagsTests: XCTestCase {
    private func configuration(_ arguments: [String]) throws -> EngineConfiguration {
        try EmulatorCommand.parse(arguments).options.engineConfiguration
    }

    func testDefaultProfileIsTodaysDefaults() throws {
        let parsed = try configuration([])
        XCTAssertEqual(parsed.tokensPerSecond, 4.5)
        XCTAssertEqual(parsed.ttftMilliseconds, 150)
        XCTAssertEqual(parsed.prefillMillisecondsPerChunk, 1000)
        XCTAssertEqual(parsed.resetMilliseconds, 50)
        XCTAssertEqual(parsed.dispatchMilliseconds, 5)
        XCTAssertEqual(parsed.taskGapMilliseconds, 0)
        XCTAssertEqual(parsed.pollJitterMilliseconds, 0)
        XCTAssertNil(parsed.chaosSeed)
        XCTAssertEqual(parsed.historyLimit, 32)
        XCTAssertEqual(try configuration(["--profile", "default"]).dispatchMilliseconds, 5)
    }

    func testInstantProfile() throws {
        let parsed = try configuration(["--profile", "instant"])
        XCTAssertEqual(parsed.tokensPerSecond, 20_000)
        XCTAssertEqual(parsed.ttftMilliseconds, 0)
        XCTAssertEqual(parsed.prefillMillisecondsPerChunk, 0)
        XCTAssertEqual(parsed.resetMilliseconds, 0)
        XCTAssertEqual(parsed.dispatchMilliseconds, 0)
    }

    func testHardwareProfile() throws {
        let parsed = try configuration(["--profile", "hardware"])
        XCTAssertEqual(parsed.tokensPerSecond, 4.5)
        XCTAssertEqual(parsed.ttftMilliseconds, 150)
        XCTAssertEqual(parsed.prefillMillisecondsPerChunk, 1200)
        XCTAssertEqual(parsed.resetMilliseconds, 1200)
        XCTAssertEqual(parsed.dispatchMilliseconds, 1)
    }

    func testExplicitFlagsOverrideTheProfile() throws {
        // Flags before or after --profile win all the same.
        let parsed = try configuration(["--reset-ms", "10", "--profile", "hardware", "--tokens-per-second", "50",
                                        "--dispatch-ms", "7", "--task-gap-ms", "3", "--poll-jitter-ms", "2",
                                        "--history-limit", "5"])
        XCTAssertEqual(parsed.resetMilliseconds, 10)
        XCTAssertEqual(parsed.tokensPerSecond, 50)
        XCTAssertEqual(parsed.dispatchMilliseconds, 7)
        XCTAssertEqual(parsed.taskGapMilliseconds, 3)
        XCTAssertEqual(parsed.pollJitterMilliseconds, 2)
        XCTAssertEqual(parsed.prefillMillisecondsPerChunk, 1200, "not overridden")
        XCTAssertEqual(parsed.historyLimit, 5)
    }

    func testStartDelayIsTheOldNameOfDispatch() throws {
        XCTAssertEqual(try configuration(["--start-delay-ms", "12"]).dispatchMilliseconds, 12)
        XCTAssertEqual(try configuration(["--profile", "instant", "--start-delay-ms", "3"]).dispatchMilliseconds, 3)
    }

    func testChaosFlags() throws {
        let parsed = try configuration(["--chaos", "1234", "--chaos-max-dispatch-ms", "20"])
        XCTAssertEqual(parsed.chaosSeed, 1234)
        XCTAssertEqual(parsed.chaosMaxDispatchMilliseconds, 20)
        XCTAssertEqual(try configuration([]).chaosMaxDispatchMilliseconds, 40)
        XCTAssertThrowsError(try EmulatorCommand.parse(["--chaos", "-1"]))
        XCTAssertThrowsError(try EmulatorCommand.parse(["--task-gap-ms", "-1"]))
        XCTAssertThrowsError(try EmulatorCommand.parse(["--profile", "turbo"]))
        XCTAssertThrowsError(try EmulatorCommand.parse(["--history-limit", "0"]))
    }
}
