import NIOCore
import XCTest
import RPCProtocol

final class FramingTests: XCTestCase {
    private func frame(_ body: [UInt8], flag: UInt8 = 0) -> [UInt8] {
        let length = UInt32(body.count)
        return [flag, UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
            + body
    }

    private func drain(_ deframer: inout MessageDeframer) throws -> [[UInt8]] {
        var messages: [[UInt8]] = []
        while let message = try deframer.next() {
            messages.append(Array(message.readableBytesView))
        }
        return messages
    }

    func testMessageSplitOneByteAtATime() throws {
        let body = Array("hello, gRPC".utf8)
        var deframer = MessageDeframer()
        var received: [[UInt8]] = []
        for byte in frame(body) {
            [byte].withUnsafeBytes { deframer.append($0) }
            received += try drain(&deframer)
        }
        XCTAssertEqual(received, [body])
        XCTAssertFalse(deframer.hasPartialMessage)
    }

    func testSeveralMessagesInOneAppend() throws {
        let bodies: [[UInt8]] = [[1], [], [2, 3], Array(repeating: 9, count: 1000)]
        var deframer = MessageDeframer()
        deframer.append(ByteBuffer(bytes: bodies.flatMap { frame($0) }))
        XCTAssertEqual(try drain(&deframer), bodies)
        XCTAssertFalse(deframer.hasPartialMessage)
    }

    func testEmptyMessage() throws {
        var deframer = MessageDeframer()
        deframer.append(ByteBuffer(bytes: [0, 0, 0, 0, 0]))
        let message = try deframer.next()
        XCTAssertEqual(message?.readableBytes, 0)
        XCTAssertNil(try deframer.next())
        XCTAssertFalse(deframer.hasPartialMessage)
    }

    func testMessagesAcrossBufferBoundaries() throws {
        let stream = frame(Array(0..<200)) + frame([7, 7]) + frame(Array(repeating: 1, count: 70))
        var deframer = MessageDeframer()
        var received: [[UInt8]] = []
        var offset = 0
        for size in [3, 1, 150, 2, 60, 9, 1000] where offset < stream.count {
            let end = min(offset + size, stream.count)
            deframer.append(ByteBuffer(bytes: stream[offset..<end]))
            offset = end
            received += try drain(&deframer)
        }
        XCTAssertEqual(received, [Array(0..<200), [7, 7], Array(repeating: 1, count: 70)])
    }

    func testOversizeIsRejectedFromTheHeaderAlone() {
        var deframer = MessageDeframer()
        deframer.append(ByteBuffer(bytes: [0, 0x00, 0x50, 0x00, 0x00]))   // 5 MiB announced, no body
        XCTAssertThrowsError(try deframer.next()) { error in
            XCTAssertEqual(error as? RPCError,
                           RPCError(.resourceExhausted, "received message larger than max (5242880 vs. 4194304)"))
        }
    }

    func testCustomMaximum() throws {
        var deframer = MessageDeframer(maxMessageSize: 3)
        deframer.append(ByteBuffer(bytes: frame([1, 2, 3]) + frame([1, 2, 3, 4])))
        XCTAssertEqual(try deframer.next().map { Array($0.readableBytesView) }, [1, 2, 3])
        XCTAssertThrowsError(try deframer.next()) { error in
            XCTAssertEqual((error as? RPCError)?.code, .resourceExhausted)
        }
    }

    func testTruncatedMessageIsPartial() throws {
        var deframer = MessageDeframer()
        XCTAssertFalse(deframer.hasPartialMessage)
        deframer.append(ByteBuffer(bytes: Array(frame(Array(repeating: 1, count: 10)).prefix(8))))
        XCTAssertNil(try deframer.next())
        XCTAssertTrue(deframer.hasPartialMessage)

        var headerOnly = MessageDeframer()
        headerOnly.append(ByteBuffer(bytes: [0, 0, 0]))
        XCTAssertNil(try headerOnly.next())
        XCTAssertTrue(headerOnly.hasPartialMessage)
    }

    func testCompressedFlagWithoutNegotiationIsInternal() {
        var deframer = MessageDeframer()
        deframer.append(ByteBuffer(bytes: frame([1, 2], flag: 1)))
        XCTAssertThrowsError(try deframer.next()) { error in
            XCTAssertEqual(error as? RPCError,
                           RPCError(.internalError, "compressed message received but no grpc-encoding was negotiated"))
        }
    }

    func testCompressedFlagWithNegotiationIsPassedOn() throws {
        var deframer = MessageDeframer(compressionNegotiated: true)
        deframer.append(ByteBuffer(bytes: frame([1, 2], flag: 1) + frame([3])))
        XCTAssertEqual(try deframer.next().map { Array($0.readableBytesView) }, [1, 2])
        XCTAssertTrue(deframer.lastMessageCompressed)
        XCTAssertEqual(try deframer.next().map { Array($0.readableBytesView) }, [3])
        XCTAssertFalse(deframer.lastMessageCompressed)
    }

    func testUnknownFlagIsInternal() {
        for flag: UInt8 in [2, 0x80, 0xFF] {
            var deframer = MessageDeframer(compressionNegotiated: true)
            deframer.append(ByteBuffer(bytes: frame([1], flag: flag)))
            XCTAssertThrowsError(try deframer.next()) { error in
                XCTAssertEqual((error as? RPCError)?.code, .internalError)
            }
        }
    }

    func testFramerWritesPrefixAndBodyInOneExactBuffer() throws {
        let event = GenerationEvent(event: .delta(String(repeating: "token ", count: 300)))
        let framed = MessageFramer.frame(event)
        XCTAssertEqual(framed.readableBytes, 5 + event.serializedSize)
        // The allocator rounds capacities up; the frame must not have outgrown its first allocation.
        XCTAssertEqual(framed.capacity, ByteBufferAllocator().buffer(capacity: framed.readableBytes).capacity)
        let length = UInt32(event.serializedSize)
        XCTAssertEqual(Array(framed.readableBytesView.prefix(5)), [0, 0, 0, UInt8(length >> 8), UInt8(length & 0xFF)])

        var deframer = MessageDeframer()
        deframer.append(framed)
        let body = try XCTUnwrap(deframer.next())
        XCTAssertEqual(try GenerationEvent(wireBytes: body), event)
    }

    func testFramerOfARawBodyAndOfAnEmptyMessage() {
        let framed = MessageFramer.frame(body: ByteBuffer(bytes: [1, 2, 3]))
        XCTAssertEqual(Array(framed.readableBytesView), [0, 0, 0, 0, 3, 1, 2, 3])
        XCTAssertEqual(Array(MessageFramer.frame(HealthRequest()).readableBytesView), [0, 0, 0, 0, 0])
    }
}
