import NIOConcurrencyHelpers
import XCTest

@testable import AXRPCFrontEnd

/// Shutdown waits for the calls a server runs in their own tasks.
final class CallTrackerTests: XCTestCase {
    func testIdleAtOnceWithoutCalls() async {
        await CallTracker().waitUntilIdle()
    }

    func testWaitsUntilTheLastCallHasEnded() async {
        let tracker = CallTracker()
        let (gate, open) = AsyncStream<Void>.makeStream()
        let ended = NIOLockedValueBox(0)
        for _ in 0 ..< 3 {
            tracker.run {
                for await _ in gate { break }
                ended.withLockedValue { $0 += 1 }
            }
        }
        XCTAssertEqual(tracker.runningCount, 3)
        let waiter = Task { await tracker.waitUntilIdle() }
        open.finish()
        await waiter.value
        XCTAssertEqual(ended.withLockedValue { $0 }, 3)
        XCTAssertEqual(tracker.runningCount, 0)
    }

    func testWaitingForADeadRuntimeEndsWhenCancelled() async {
        let monitor = LivenessMonitor(grace: .seconds(60))
        let waiter = Task { await monitor.waitUntilDead() }
        waiter.cancel()
        let reason = await waiter.value
        XCTAssertNil(reason)
    }
}
