import XCTest
@testable import RuntimeBridge

/// The turn state machine against scripted runtime behaviour, one test per fact of the
/// runtime's worker (runtime-protocol.md, "The worker's concurrency") plus the recovery paths.
/// Time is explicit: `at(ms)` is an instant `ms` milliseconds into the turn.
final class RuntimeTurnStateMachineTests: XCTestCase {
    typealias Machine = RuntimeTurnStateMachine
    private let t0 = ContinuousClock.now
    private let timing = Machine.Timing(pollInterval: .milliseconds(5), quietPeriod: .milliseconds(100),
                                        stopRepeatInterval: .milliseconds(250), stopGrace: .seconds(5),
                                        startTimeout: .seconds(10), busyWaitLimit: .seconds(60),
                                        emptyReplyGrace: .seconds(1))

    private func at(_ ms: Int) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }

    private func machine(reset: String? = "Sys", clean: Bool = true) -> Machine {
        var machine = Machine(timing: timing, resetSystemPrompt: reset)
        let first = machine.start(runtimeKnownClean: clean, at: at(0))
        if clean {
            XCTAssertEqual(first, reset.map { .postReset(systemPrompt: $0) } ?? .postGenerate)
        }
        return machine
    }

    /// Drives a machine to `generating` after a reset seen running and ending.
    private func generating() -> Machine {
        var machine = self.machine()
        XCTAssertEqual(machine.accepted(at: at(1)), .poll(after: .zero))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(2)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(8)).next, .postGenerate)
        XCTAssertEqual(machine.accepted(at: at(9)), .poll(after: .zero))
        return machine
    }

    // MARK: Fact 1: the busy flag is set only when a task starts

    func testTheGenerateWaitsForTheResetToBeSeenFinishing() {
        var machine = self.machine()
        _ = machine.accepted(at: at(1))
        // The reset is queued but not started: done:true, and the generate must not follow yet
        // (it would be accepted and queued behind the reset).
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(2)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(40)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(60)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(900)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(1200)).next, .postGenerate)
    }

    func testAResetNeverSeenRunningCountsAsDoneOnlyAfterTheQuietPeriod() {
        var machine = self.machine()
        _ = machine.accepted(at: at(1))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(2)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(60)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(103)).next, .postGenerate)
    }

    // MARK: Fact 2: `done` is "not busy", also before a queued task starts and between tasks

    func testDoneBeforeTheGenerationStartsIsNotItsEnd() {
        var machine = generating()
        for ms in stride(from: 10, to: 2000, by: 100) {
            XCTAssertEqual(machine.polled(text: "", done: true, at: at(ms)).next, .poll(after: .milliseconds(5)),
                           "no answer while this generation's text has not started (\(ms) ms)")
        }
        let (text, next) = machine.polled(text: "<think>\n\n</think>", done: false, at: at(2100))
        XCTAssertEqual(text, .relay("<think>\n\n</think>"))
        XCTAssertEqual(next, .poll(after: .zero))
    }

    func testDoneAfterTheTextIsConfirmedByAFurtherPoll() {
        var machine = generating()
        _ = machine.polled(text: "<think>\n\n</think>\n\nHi", done: false, at: at(20))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(30)).next, .poll(after: .zero), "confirm first")
        // The confirming poll drains the chunk queued just before the flag fell.
        let (tail, next) = machine.polled(text: " there.", done: true, at: at(31))
        XCTAssertEqual(tail, .relay(" there."))
        XCTAssertEqual(next, .answer(.finished(.stop)))
        XCTAssertEqual(machine.answered(at: at(32)), .handOff(clean: true))
    }

    func testAConfirmingPollThatSeesWorkGoesBackToGenerating() {
        var machine = generating()
        _ = machine.polled(text: "<think>", done: false, at: at(20))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(30)).next, .poll(after: .zero))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(31)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(40)).next, .poll(after: .zero))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(41)).next, .answer(.finished(.stop)))
    }

    // MARK: Fact 3: the text queue is global

    func testTextLeftFromBeforeIsDrainedAndDiscardedBeforeTheReset() {
        var machine = Machine(timing: timing, resetSystemPrompt: "Sys")
        XCTAssertEqual(machine.start(runtimeKnownClean: false, at: at(0)), .poll(after: .zero))
        let (leftover, next) = machine.polled(text: "an old reply's tail", done: true, at: at(1))
        XCTAssertEqual(leftover, .discard("an old reply's tail"))
        XCTAssertEqual(next, .poll(after: .zero))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(2)).next, .poll(after: .milliseconds(5)),
                       "someone's task still runs")
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(10)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(60)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(111)).next, .postReset(systemPrompt: "Sys"))
    }

    func testTextDuringTheResetIsNotTheReply() {
        var machine = self.machine()
        _ = machine.accepted(at: at(1))
        XCTAssertEqual(machine.polled(text: "stray", done: false, at: at(2)).text, .discard("stray"))
    }

    // MARK: Fact 4: a stop sent before the run starts is lost

    func testTheStopIsRepeatedUntilTheRunIsSeenToEnd() {
        var machine = generating()
        XCTAssertEqual(machine.cut(.cancelled, at: at(10)), .answer(.cancelled), "the caller hears at once")
        XCTAssertEqual(machine.answered(at: at(10)), .stopAndPoll(pollAfter: .zero))
        // Not started yet: the stop was lost. Idle for less than the quiet period proves nothing.
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(11)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(50)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(270)).next, .stopAndPoll(pollAfter: .milliseconds(5)),
                       "the run started after the first stop: say it again")
        let (text, next) = machine.polled(text: "<think>\n\n</think>", done: false, at: at(300))
        XCTAssertEqual(text, .discard("<think>\n\n</think>"), "nothing more is relayed after a cut")
        XCTAssertEqual(next, .poll(after: .zero))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(320)).next, .poll(after: .zero))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(321)).next, .handOff(clean: true))
    }

    func testAStopBeforeAnyTextEndsOnlyAfterTheQuietPeriod() {
        var machine = generating()
        _ = machine.polled(text: "", done: false, at: at(10))
        _ = machine.cut(.deadlineExceeded, at: at(20))
        _ = machine.answered(at: at(20))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(30)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(90)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(131)).next, .handOff(clean: true))
    }

    func testARunThatIgnoresStopsIsRestarted() {
        var machine = generating()
        _ = machine.polled(text: "<think>", done: false, at: at(10))
        _ = machine.cut(.length, at: at(20))
        XCTAssertEqual(machine.answered(at: at(20)), .stopAndPoll(pollAfter: .zero))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(4000)).next, .stopAndPoll(pollAfter: .milliseconds(5)))
        guard case .restart = machine.polled(text: "", done: false, at: at(5100)).next else {
            return XCTFail("a runtime busy 5 s after the stop is hung")
        }
    }

    func testACutDuringTheResetWaitsForItAndPostsNothing() {
        var machine = self.machine()
        _ = machine.accepted(at: at(1))
        XCTAssertEqual(machine.cut(.cancelled, at: at(2)), .answer(.cancelled))
        XCTAssertEqual(machine.answered(at: at(2)), .poll(after: .zero))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(3)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(50)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(151)).next, .handOff(clean: true))
    }

    // MARK: Fact 6 (and busy is not failure)

    func testBusyIsWaitedOutAndThePostRepeated() {
        var machine = self.machine()
        XCTAssertEqual(machine.busy(at: at(1)), .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: false, at: at(10)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(20)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(121)).next, .postReset(systemPrompt: "Sys"))
    }

    func testBusyAnswersForeverEndInARestart() {
        var machine = self.machine(reset: nil)
        var now = 1
        var action = machine.busy(at: at(now))
        while case .poll = action {
            now += 50
            action = machine.polled(text: "", done: true, at: at(now)).next
            if action == .postGenerate {
                now += 1
                action = machine.busy(at: at(now))
            }
        }
        guard case .restart = action else { return XCTFail("\(action)") }
        XCTAssertGreaterThanOrEqual(now, 60_000)
    }

    func testAGenerationWithoutAnyTextEndsOnlyAfterALongQuiet() {
        var machine = generating()
        _ = machine.polled(text: "", done: false, at: at(10))
        // What ran may have been the reset (finished unseen); the generation may still come.
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(20)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(500)).next, .poll(after: .milliseconds(5)))
        XCTAssertEqual(machine.polled(text: "", done: true, at: at(1021)).next, .answer(.finished(.stop)))
    }

    func testATimeoutRestartsAndAConnectionFailureIsAnswered() {
        var hung = generating()
        guard case .restart = hung.failed(.timedOut(endpoint: "e", path: "/p", milliseconds: 5)) else {
            return XCTFail("a timeout is a hang")
        }
        var gone = generating()
        let error = RuntimeClientError.connectionClosed(endpoint: "e", detail: "d")
        XCTAssertEqual(gone.failed(error), .answer(.failed(error, generateAccepted: true)))
        XCTAssertEqual(gone.answered(at: at(20)), .handOff(clean: false))
    }

    func testAContinuedConversationPostsTheGenerateAtOnce() {
        var machine = self.machine(reset: nil)
        XCTAssertEqual(machine.accepted(at: at(1)), .poll(after: .zero))
        XCTAssertTrue(machine.generateAccepted)
    }
}
