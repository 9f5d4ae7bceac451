import NIOCore
import XCTest

@testable import AXRPCServerCore

/// Every path of a call's request, without nghttp2 or sockets.
final class RequestStateMachineTests: XCTestCase {
    private func message(_ byte: UInt8) -> ByteBuffer { ByteBuffer(bytes: [byte]) }

    // MARK: single-message calls

    func testAUnaryCallWithOneMessageStartsAtTheHalfClose() {
        var machine = RequestStateMachine()
        XCTAssertFalse(machine.readsBody, "no body is read before the call is routed")
        XCTAssertEqual(machine.routed(.unary), .awaitMessage)
        XCTAssertTrue(machine.readsBody)
        XCTAssertEqual(machine.messageReceived(message(1)), .hold)
        XCTAssertEqual(machine.endOfStream(partialMessage: false), .startHandler(message(1)))
        XCTAssertFalse(machine.readsBody, "the handler has the whole request")
        XCTAssertEqual(machine.close(), .none, "nothing waits on a single-message request")
    }

    func testAUnaryCallWithoutAMessageIsRefused() {
        var machine = RequestStateMachine()
        _ = machine.routed(.unary)
        XCTAssertEqual(machine.endOfStream(partialMessage: false), .refuse(.noMessage))
        XCTAssertEqual(RequestStateMachine.Refusal.noMessage.error(path: "/a.B/C").code, .unimplemented)
    }

    func testASecondMessageIsRefusedAndNothingAfterItIsRead() {
        var machine = RequestStateMachine()
        _ = machine.routed(.serverStreaming)
        XCTAssertEqual(machine.messageReceived(message(1)), .hold)
        XCTAssertEqual(machine.messageReceived(message(2)), .refuse(.extraMessage))
        XCTAssertFalse(machine.readsBody)
        XCTAssertEqual(machine.messageReceived(message(3)), .discard)
        XCTAssertEqual(machine.endOfStream(partialMessage: false), .ignore, "the call was refused already")
        XCTAssertEqual(RequestStateMachine.Refusal.extraMessage.error(path: "/a.B/C").code, .unimplemented)
    }

    func testAHalfCloseInTheMiddleOfAMessageIsRefused() {
        var machine = RequestStateMachine()
        _ = machine.routed(.unary)
        XCTAssertEqual(machine.endOfStream(partialMessage: true), .refuse(.truncatedMessage))
        XCTAssertEqual(RequestStateMachine.Refusal.truncatedMessage.error(path: "/a.B/C").code, .internalError)

        var afterMessage = RequestStateMachine()
        _ = afterMessage.routed(.unary)
        _ = afterMessage.messageReceived(message(1))
        XCTAssertEqual(afterMessage.endOfStream(partialMessage: true), .refuse(.truncatedMessage),
                       "a whole first message does not excuse a cut second one")
    }

    // MARK: streaming calls

    func testAStreamingCallStartsWithTheHeadersAndDeliversEachMessage() {
        var machine = RequestStateMachine()
        XCTAssertEqual(machine.routed(.bidirectionalStreaming), .startStreamingHandler)
        XCTAssertEqual(machine.messageReceived(message(1)), .deliver(message(1)))
        XCTAssertEqual(machine.messageReceived(message(2)), .deliver(message(2)))
        XCTAssertEqual(machine.endOfStream(partialMessage: false), .finishInbound)
        XCTAssertEqual(machine.messageReceived(message(3)), .discard, "nothing after the end")
        XCTAssertEqual(machine.close(), .none, "the inbound stream was finished once")
    }

    func testAStreamingCallMayHalfCloseAtOnce() {
        var machine = RequestStateMachine()
        _ = machine.routed(.bidirectionalStreaming)
        XCTAssertEqual(machine.endOfStream(partialMessage: false), .finishInbound)
    }

    func testAResetInTheMiddleOfAStreamEndsItsInboundOnce() {
        var machine = RequestStateMachine()
        _ = machine.routed(.bidirectionalStreaming)
        _ = machine.messageReceived(message(1))
        XCTAssertEqual(machine.close(), .finishInbound)
        XCTAssertEqual(machine.close(), .none)
        XCTAssertEqual(machine.messageReceived(message(2)), .discard)
        XCTAssertEqual(machine.endOfStream(partialMessage: true), .ignore,
                       "a half-close after a reset is not a truncated message")
    }

    // MARK: orders

    func testAResetBeforeTheHalfCloseDropsTheHeldMessage() {
        var machine = RequestStateMachine()
        _ = machine.routed(.unary)
        _ = machine.messageReceived(message(1))
        XCTAssertEqual(machine.close(), .none)
        XCTAssertEqual(machine.endOfStream(partialMessage: false), .ignore, "the handler never starts")
    }

    func testARequestRefusedByItsHeadersReadsNothing() {
        var machine = RequestStateMachine()
        XCTAssertEqual(machine.close(), .none)
        XCTAssertEqual(machine.routed(.unary), .ignore)
        XCTAssertEqual(machine.messageReceived(message(1)), .discard)
        XCTAssertEqual(machine.endOfStream(partialMessage: false), .ignore)
    }

    func testAHalfCloseWithTheHeadersOfAnUnroutedCallIsIgnored() {
        var machine = RequestStateMachine()
        XCTAssertEqual(machine.endOfStream(partialMessage: false), .ignore)
        XCTAssertEqual(machine.routed(.bidirectionalStreaming), .ignore, "the request is over")
    }
}
