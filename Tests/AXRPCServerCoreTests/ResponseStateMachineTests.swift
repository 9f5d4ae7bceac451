import NGHTTP2Session
import XCTest

@testable import AXRPCServerCore

/// Every path of a call's response, without nghttp2 or sockets.
final class ResponseStateMachineTests: XCTestCase {
    private let status = HeaderBlock([("grpc-status", "0")])

    func testAStatusWithoutMessagesIsTrailersOnly() {
        var machine = ResponseStateMachine()
        XCTAssertEqual(machine.finish(with: status), .sendTrailersOnly(status))
        XCTAssertTrue(machine.isFinished)
        XCTAssertEqual(machine.finish(with: status), .ignore, "the status goes out once")
        XCTAssertEqual(machine.messageQueued(), .refuse)
    }

    func testTheFirstMessageStartsTheResponseAndLaterOnesWakeTheProvider() {
        var machine = ResponseStateMachine()
        XCTAssertEqual(machine.messageQueued(), .submitHeaders)
        XCTAssertEqual(machine.messageQueued(), .none, "the provider has not run dry")
        XCTAssertEqual(machine.providerDrained(), .deferData)
        XCTAssertEqual(machine.messageQueued(), .resume)
        XCTAssertEqual(machine.messageQueued(), .none, "resumed once")
    }

    func testTheStatusWaitsBehindTheMessagesThenGoesInTrailers() {
        var machine = ResponseStateMachine()
        _ = machine.messageQueued()
        XCTAssertEqual(machine.finish(with: status), .queueTrailers(resume: false))
        XCTAssertTrue(machine.isFinished)
        XCTAssertEqual(machine.messageQueued(), .refuse, "no writes after the status")
        XCTAssertEqual(machine.providerDrained(), .sendTrailers(status))
        XCTAssertEqual(machine.providerDrained(), .fail, "the body is over")
    }

    func testAStatusForAWaitingProviderResumesIt() {
        var machine = ResponseStateMachine()
        _ = machine.messageQueued()
        _ = machine.providerDrained()
        XCTAssertEqual(machine.finish(with: status), .queueTrailers(resume: true))
        XCTAssertEqual(machine.providerDrained(), .sendTrailers(status))
    }

    func testAbandoningTellsWhetherTheCallWasStillRunning() {
        var running = ResponseStateMachine()
        _ = running.messageQueued()
        XCTAssertTrue(running.abandon())
        XCTAssertFalse(running.abandon(), "once")
        XCTAssertEqual(running.finish(with: status), .ignore)

        var done = ResponseStateMachine()
        _ = done.finish(with: status)
        XCTAssertFalse(done.abandon())
    }

    func testAPlainHTTPAnswerEndsTheCall() {
        var machine = ResponseStateMachine()
        machine.answeredWithoutBody()
        XCTAssertTrue(machine.isFinished)
        XCTAssertEqual(machine.finish(with: status), .ignore)
    }
}
