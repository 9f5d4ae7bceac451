import RuntimeBridge
import XCTest

@testable import AXRPCFrontEnd
@testable import AXRPCOperations

/// Alive unless the runtime has been FAILED for the whole grace.
final class LivenessMonitorTests: XCTestCase {
    private func status(_ phase: RuntimePhase, _ error: String = "") -> RuntimeStatus {
        RuntimeStatus(phase: phase, model: "m", lastError: error)
    }

    func testStartingAndRestartingAreAlive() {
        let monitor = LivenessMonitor(grace: .zero)
        for phase in [RuntimePhase.starting, .restarting, .ready, .busy, .stopped] {
            monitor.record(status(phase))
            XCTAssertTrue(monitor.isAlive, "\(phase)")
        }
    }

    func testFailedPastTheGraceIsDeadWithTheRuntimesError() async {
        let monitor = LivenessMonitor(grace: .milliseconds(50))
        monitor.record(status(.failed, "lLaMa.Init failed"))
        XCTAssertTrue(monitor.isAlive, "dead before the grace ran out")
        let reason = await monitor.waitUntilDead()
        XCTAssertEqual(reason, "lLaMa.Init failed")
        XCTAssertFalse(monitor.isAlive)
        XCTAssertEqual(monitor.reason, "lLaMa.Init failed")
    }

    func testRecoveryInsideTheGraceCancelsTheVerdict() async throws {
        let monitor = LivenessMonitor(grace: .milliseconds(100))
        monitor.record(status(.failed, "down"))
        monitor.record(status(.ready))
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertTrue(monitor.isAlive)
        XCTAssertEqual(monitor.reason, "")
    }

    func testHealthServiceAnswersForTheLivenessName() {
        let monitor = LivenessMonitor(grace: .zero)
        var info = ServerInfo(emulated: true, runtimeAttached: true)
        info.liveness = monitor
        XCTAssertTrue(info.isAlive)
        monitor.record(status(.failed))
        XCTAssertFalse(info.isAlive)
    }
}
