import XCTest
@testable import RuntimeBridge

/// Attach mode: readiness follows the endpoint's TCP accept, nothing is launched or restarted.
final class SupervisorAttachTests: XCTestCase {
    func testFollowsTheEndpointUpDownAndUpAgain() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        let resolved = try RuntimeSource.attach(url: "http://127.0.0.1:\(port)").resolve()
        let sup = RuntimeSupervisor(plan: resolved.plan, options: FakeRuntimeProcess.fastOptions, logger: FakeRuntimeProcess.logger)
        await sup.start()
        do {
            _ = try await sup.waitUntilReady(deadline: .now + .milliseconds(300))
            XCTFail("nothing listens yet")
        } catch BridgeError.deadlineExceeded {}
        let starting = await sup.currentSnapshot
        XCTAssertEqual(starting.phase, .starting)

        var listener = try await ServerBootstrapHelper.listen(port: port)
        let first = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        XCTAssertEqual(first, RuntimeIncarnation(id: 1, host: "127.0.0.1", port: port))

        try await listener.close()
        let down = try await sup.snapshot(matching: { $0.phase == .restarting })
        XCTAssertTrue(down.lastError.contains("stopped accepting connections"), down.lastError)

        listener = try await ServerBootstrapHelper.listen(port: port)
        let back = try await sup.snapshot(matching: { $0.phase == .ready })
        XCTAssertEqual(back.restarts, 1)
        let second = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        XCTAssertEqual(second.id, 2)

        // A restart request cannot restart it, but the scheduler gets a new incarnation.
        await sup.restart(reason: "test")
        let third = try await sup.snapshot(matching: { $0.phase == .ready && $0.restarts == 2 })
        XCTAssertEqual(third.phase, .ready)
        let pid = await sup.processID()
        XCTAssertNil(pid, "attach mode launches nothing")

        await sup.stop()
        let stopped = await sup.currentSnapshot
        XCTAssertEqual(stopped.phase, .stopped)
        try await listener.close()
    }

    func testStopBeforeStart() async throws {
        let sup = RuntimeSupervisor(plan: RuntimePlan(mode: .attach(RuntimeEndpoint(host: "127.0.0.1", port: 9))),
                                    logger: FakeRuntimeProcess.logger)
        await sup.stop()
        let snapshot = await sup.currentSnapshot
        XCTAssertEqual(snapshot.phase, .stopped)
        var iterator = sup.snapshots().makeAsyncIterator()
        let first = await iterator.next()
        XCTAssertEqual(first?.phase, .stopped)
        let end = await iterator.next()
        XCTAssertNil(end, "subscriptions end once stopped")
    }
}
