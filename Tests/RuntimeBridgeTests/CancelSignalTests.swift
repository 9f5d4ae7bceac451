import XCTest
@testable import RuntimeBridge

/// The driver's pause between polls ends at once when the caller cancels, so a stop reaches the
/// runtime promptly however long the pacer meant to wait.
final class CancelSignalTests: XCTestCase {
    func testFiringEndsAPauseAtOnce() async {
        let signal = CancelSignal()
        let loop = Harness.group.next()
        let started = ContinuousClock.now
        async let paused: Void = signal.pause(for: .seconds(30), on: loop)
        try? await Task.sleep(for: .milliseconds(50))
        signal.fire()
        await paused
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testAPauseAfterFiringDoesNotWait() async {
        let signal = CancelSignal()
        let loop = Harness.group.next()
        signal.fire()
        let started = ContinuousClock.now
        await signal.pause(for: .seconds(30), on: loop)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
    }

    func testAPauseEndsByItself() async {
        let signal = CancelSignal()
        let loop = Harness.group.next()
        let started = ContinuousClock.now
        await signal.pause(for: .milliseconds(20), on: loop)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(20))
        XCTAssertFalse(signal.isFired)
    }
}
