import XCTest
@testable import RuntimeBridge

/// The status board applies every update synchronously: a watcher hears the current status
/// first, then each change in the order it was made, and leaves without bookkeeping.
final class StatusBoardTests: XCTestCase {
    private func board() -> StatusBoard {
        StatusBoard(model: "m", capacity: 4, emulated: true)
    }

    func testAnUpdateIsVisibleAtOnce() {
        let board = board()
        board.update(host: SupervisorSnapshot(phase: .ready))
        XCTAssertEqual(board.current.phase, .ready)
        board.update(scheduler: GenerationScheduler.Snapshot(running: true, queueDepth: 2))
        XCTAssertEqual(board.current.phase, .busy, "ready with a running generation is busy")
        XCTAssertEqual(board.current.queueDepth, 2)
        board.record(error: "hung")
        XCTAssertEqual(board.current.lastError, "hung")
    }

    func testAWatcherHearsTheCurrentStatusThenEveryChangeInOrder() async {
        let board = board()
        board.update(host: SupervisorSnapshot(phase: .ready))
        var updates = board.updates().makeAsyncIterator()
        for depth in 1 ... 5 {
            board.update(scheduler: GenerationScheduler.Snapshot(running: true, queueDepth: depth))
        }
        board.update(scheduler: GenerationScheduler.Snapshot(running: true, queueDepth: 5))  // no change
        board.update(scheduler: GenerationScheduler.Snapshot(running: false, queueDepth: 0))
        var seen: [Int] = []
        var phases: [RuntimePhase] = []
        for _ in 0 ..< 7 {
            guard let status = await updates.next() else { break }
            seen.append(status.queueDepth)
            phases.append(status.phase)
        }
        XCTAssertEqual(seen, [0, 1, 2, 3, 4, 5, 0], "the current status, then each change once, in order")
        XCTAssertEqual(phases.first, .ready)
        XCTAssertEqual(phases.last, .ready)
    }

    func testTheLatestErrorWinsWhicheverSourceReportsIt() {
        let board = board()
        board.update(host: SupervisorSnapshot(phase: .restarting, lastError: "exited"))
        board.record(error: "the runtime hangs")
        XCTAssertEqual(board.current.lastError, "the runtime hangs")
        board.update(host: SupervisorSnapshot(phase: .ready, restarts: 1, lastError: "exited"))
        XCTAssertEqual(board.current.lastError, "the runtime hangs", "an unchanged host error is not news")
        board.update(host: SupervisorSnapshot(phase: .failed, restarts: 1, lastError: "cannot start"))
        XCTAssertEqual(board.current.lastError, "cannot start")
    }

    func testAWatcherThatLeftIsNoLongerFed() async {
        let board = board()
        let left = expectation(description: "the watcher's stream ended")
        let watcher = Task {
            for await _ in board.updates() {}
            left.fulfill()
        }
        watcher.cancel()
        await fulfillment(of: [left], timeout: 5)
        // Publishing after the watcher left must neither block nor reach it.
        board.update(host: SupervisorSnapshot(phase: .ready))
        XCTAssertEqual(board.current.phase, .ready)
    }
}
