import NIOCore
import RPCProtocol
import XCTest

@testable import AXRPCClient

/// Response headers of a gRPC call that has started well.
private let okHead = [(":status", "200"), ("content-type", "application/grpc")]

/// The client session against scripted server frames: what goes out for a call, how responses
/// come back in, and every way a call can end.
final class ClientConnectionTests: XCTestCase {
    private typealias F = H2Frames

    private func outcome(_ server: NIOLoopBound<ScriptedServer>, _ key: Int) throws -> RPCError?? {
        try server.run { $0.calls[key]?.outcome }
    }

    func testRequestIsHeadersThenOneMessageWithEndStream() throws {
        let (server, _) = try ScriptedServer.make()
        let id = try server.run { $0.startCall(1, bound: server, body: F.message([7, 7])) }
        XCTAssertEqual(id, 1)
        let frames = try server.run { $0.frames.filter { $0.stream == 1 } }
        XCTAssertEqual(frames.map(\.type), [F.headers, F.data])
        XCTAssertEqual(frames.last?.payload, F.message([7, 7]))
        XCTAssertEqual((frames.last?.flags ?? 0) & F.endStream, F.endStream, "the request half-closes")
    }

    func testMessagesAcrossDataFramesThenOKTrailers() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server) }
        let first = F.message(Array(repeating: 0xAB, count: 40)), second = F.message([1])
        try server.run { peer in
            peer.feed(F.serverSettings(), F.headerBlock(okHead, stream: 1),
                        F.dataFrame(Array(first.prefix(3)), stream: 1))
            peer.feed(F.dataFrame(Array(first.dropFirst(3)) + second, stream: 1),
                        F.headerBlock([("grpc-status", "0")], stream: 1, endStream: true))
        }
        let record = try server.run { $0.calls[1] }
        XCTAssertEqual(record?.messages, [Array(repeating: 0xAB, count: 40), [1]])
        XCTAssertEqual(record?.outcome, .some(nil), "OK")
    }

    func testTrailersOnlyErrorKeepsTheServersStatusAndMessage() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server) }
        try server.run { peer in
            peer.feed(F.serverSettings(), F.headerBlock(okHead + [("grpc-status", "14"),
                                                                    ("grpc-message", "no%20runtime%20attached")],
                                                           stream: 1, endStream: true))
        }
        XCTAssertEqual(try outcome(server, 1), .some(RPCError(.unavailable, "no runtime attached")))
    }

    func testCancelSendsRSTStreamCancelAndIgnoresLateFrames() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server) }
        try server.run { peer in
            peer.feed(F.serverSettings(), F.headerBlock(okHead, stream: 1))
            peer.connection.cancelCall(1, error: RPCError(.cancelled, "by the test"))
        }
        XCTAssertEqual(try server.run { $0.resets(of: 1) }, [8], "RST_STREAM(CANCEL)")
        XCTAssertEqual(try outcome(server, 1), .some(RPCError(.cancelled, "by the test")))
        try server.run { $0.feed(F.dataFrame(F.message([9]), stream: 1)) }
        XCTAssertEqual(try server.run { $0.calls[1]?.messages }, [])
    }

    func testConcurrentCallsMultiplexOnOneSession() throws {
        let (server, _) = try ScriptedServer.make()
        let ids = try server.run { peer in (1...3).map { peer.startCall($0, bound: server) } }
        XCTAssertEqual(ids, [1, 3, 5])
        try server.run { peer in
            peer.feed(F.serverSettings(), F.headerBlock(okHead, stream: 5), F.headerBlock(okHead, stream: 1),
                        F.dataFrame(F.message([5]), stream: 5), F.dataFrame(F.message([1]), stream: 1),
                        F.headerBlock(okHead + [("grpc-status", "9")], stream: 3, endStream: true),
                        F.dataFrame(F.message([55]), stream: 5),
                        F.headerBlock([("grpc-status", "0")], stream: 1, endStream: true),
                        F.headerBlock([("grpc-status", "0")], stream: 5, endStream: true))
        }
        let calls = try server.run { $0.calls }
        // Keys 1, 2, 3 are streams 1, 3, 5: each call sees only its own frames.
        XCTAssertEqual(calls[1]?.messages, [[1]])
        XCTAssertEqual(calls[1]?.outcome, .some(nil))
        XCTAssertEqual(calls[2]?.messages, [])
        XCTAssertEqual(calls[2]?.outcome??.code, .failedPrecondition)
        XCTAssertEqual(calls[3]?.messages, [[5], [55]])
        XCTAssertEqual(calls[3]?.outcome, .some(nil))
    }

    func testServerResetBeforeAStatusMapsToACode() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server) }
        try server.run { $0.feed(F.serverSettings(), F.reset(stream: 1, code: 7)) }
        XCTAssertEqual(try outcome(server, 1)??.code, .unavailable)
    }

    func testDeadlineResetsTheStreamWithDeadlineExceeded() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server, deadline: CallDeadline(timeout: .milliseconds(30))) }
        try server.run { $0.feed(F.serverSettings(), F.headerBlock(okHead, stream: 1)) }
        let waited = ContinuousClock.now
        while try outcome(server, 1) == nil, ContinuousClock.now - waited < .seconds(5) {
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertEqual(try outcome(server, 1)??.code, .deadlineExceeded)
        XCTAssertEqual(try server.run { $0.resets(of: 1) }, [8])
    }

    func testGoawayRefusesUnprocessedStreamsAndNewCalls() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { peer in (1...2).map { peer.startCall($0, bound: server) } }
        try server.run { $0.feed(F.serverSettings(), F.goawayFrame(lastStream: 1)) }
        XCTAssertEqual(try outcome(server, 2)??.code, .unavailable, "stream 3 was never processed")
        XCTAssertTrue(try outcome(server, 1) == nil, "stream 1 was processed: it may still finish")
        XCTAssertEqual(try server.run { $0.unusableReports }, 1)
        XCTAssertNil(try server.run { $0.startCall(3, bound: server) })
        XCTAssertEqual(try outcome(server, 3)??.code, .unavailable)
    }

    func testUndecodableMessageFailsTheCallAndResetsIt() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server, rejectMessages: true) }
        try server.run { $0.feed(F.serverSettings(), F.headerBlock(okHead, stream: 1), F.dataFrame(F.message([0xFF]), stream: 1)) }
        XCTAssertEqual(try outcome(server, 1)??.code, .internalError)
        XCTAssertEqual(try server.run { $0.resets(of: 1) }, [8])
    }

    func testOversizedMessageIsResourceExhausted() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server) }
        // The test connection allows 1024-byte messages; this prefix announces 4096.
        try server.run { $0.feed(F.serverSettings(), F.headerBlock(okHead, stream: 1),
                                 F.dataFrame([0] + F.bigEndian(4096), stream: 1)) }
        XCTAssertEqual(try outcome(server, 1)??.code, .resourceExhausted)
    }

    func testResponseCutInsideAMessageIsInternal() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server) }
        try server.run { $0.feed(F.serverSettings(), F.headerBlock(okHead, stream: 1),
                                 F.dataFrame([0, 0, 0, 0, 9, 1], stream: 1),
                                 F.headerBlock([("grpc-status", "0")], stream: 1, endStream: true)) }
        XCTAssertEqual(try outcome(server, 1)??.code, .internalError)
    }

    func testConnectionLossFailsOpenCallsUnavailable() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server) }
        try server.run { $0.connection.connectionClosed() }
        let error = try outcome(server, 1)
        XCTAssertEqual(error??.code, .unavailable)
        XCTAssertEqual(error??.message, "the connection to test:1 was closed")
    }

    func testGarbageFromThePeerIsAProtocolErrorThatClosesTheConnection() throws {
        let (server, _) = try ScriptedServer.make()
        _ = try server.run { $0.startCall(1, bound: server) }
        try server.run { $0.feed(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)) }
        XCTAssertTrue(try server.run { $0.closed })
        try server.run { $0.connection.connectionClosed() }
        let error = try outcome(server, 1)
        XCTAssertEqual(error??.code, .unavailable)
        XCTAssertTrue(error??.message.hasPrefix("HTTP/2 protocol error from test:1") ?? false, "\(String(describing: error))")
    }
}
