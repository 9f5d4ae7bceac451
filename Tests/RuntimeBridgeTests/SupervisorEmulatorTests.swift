import XCTest
@testable import RuntimeBridge

/// The supervisor with the real `axllm-emulator`, when it has been built next to the tests
/// (`swift build --product axllm-emulator`); skipped otherwise.
final class SupervisorEmulatorTests: XCTestCase {
    private func emulator() throws -> String {
        guard let path = try? EmulatorLocator.locate() else {
            throw XCTSkip("axllm-emulator is not built next to the test bundle")
        }
        return path
    }

    func testEmulatorBecomesReadyOnAPortOfItsOwn() async throws {
        let resolved = try RuntimeSource.builtInEmulator(emulatorPath: try emulator(),
                                                         arguments: ["--load-seconds", "0.2"]).resolve()
        let sup = RuntimeSupervisor(plan: resolved.plan, options: FakeRuntimeProcess.fastOptions, logger: FakeRuntimeProcess.logger)
        await sup.start()
        let incarnation = try await sup.waitUntilReady(deadline: .now + .seconds(60))
        XCTAssertEqual(incarnation.host, "127.0.0.1")
        XCTAssertNotEqual(incarnation.port, 8000)
        let pidValue = await sup.processID()
        let pid = try XCTUnwrap(pidValue)
        await sup.stop()
        XCTAssertTrue(ProcessTable.isReaped(pid))
    }

    func testEmulatedLoadFailureIsQuoted() async throws {
        let resolved = try RuntimeSource.builtInEmulator(emulatorPath: try emulator(),
                                                         arguments: ["--fail-load"]).resolve()
        var options = FakeRuntimeProcess.fastOptions
        options.maximumFailures = 2
        let sup = RuntimeSupervisor(plan: resolved.plan, options: options, logger: FakeRuntimeProcess.logger)
        await sup.start()
        let failed = try await sup.snapshot(matching: { $0.phase == .failed }, timeout: .seconds(60))
        XCTAssertTrue(failed.lastError.contains("exited with code 255"), failed.lastError)
        XCTAssertTrue(failed.lastError.contains("lLaMa.Init failed"), failed.lastError)
        await sup.stop()
    }
}
