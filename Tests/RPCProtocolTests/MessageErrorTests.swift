import NIOCore
import XCTest
import RPCProtocol

final class MessageErrorTests: XCTestCase {
    func testInvalidUTF8InAStringFieldIsInternal() {
        // GenerateRequest.prompt (field 2, length-delimited) = C3 28, an invalid two-byte sequence.
        let bytes: [UInt8] = [0x12, 0x02, 0xC3, 0x28]
        assertRPCError(.internalError, containing: "invalid UTF-8", try GenerateRequest(wireBytes: ByteBuffer(bytes: bytes)))
        assertRPCError(.internalError, containing: "axrpc.v1.GenerateRequest.prompt",
                       try GenerateRequest(wireBytes: ByteBuffer(bytes: bytes)))
    }

    func testInvalidUTF8InNestedAndRepeatedStrings() {
        // ChatRequest.messages[0].content = FF.
        let chat: [UInt8] = [0x12, 0x03, 0x12, 0x01, 0xFF]
        assertRPCError(.internalError, containing: "invalid UTF-8", try ChatRequest(wireBytes: ByteBuffer(bytes: chat)))
        // SamplingOptions.stop = [ED A0 80] (an encoded surrogate).
        let options: [UInt8] = [0x32, 0x03, 0xED, 0xA0, 0x80]
        assertRPCError(.internalError, containing: "invalid UTF-8", try SamplingOptions(wireBytes: ByteBuffer(bytes: options)))
        // GenerationEvent.delta = C0 AF (overlong '/').
        let event: [UInt8] = [0x12, 0x02, 0xC0, 0xAF]
        assertRPCError(.internalError, containing: "invalid UTF-8", try GenerationEvent(wireBytes: ByteBuffer(bytes: event)))
        // ServerReflectionRequest.file_containing_symbol = 80.
        let reflection: [UInt8] = [0x22, 0x01, 0x80]
        assertRPCError(.internalError, containing: "invalid UTF-8",
                       try ServerReflectionRequest(wireBytes: ByteBuffer(bytes: reflection)))
    }

    func testMalformedBytesAreInternal() {
        let cases: [[UInt8]] = [
            [0x12, 0x05, 0x61],                   // length beyond the end
            [0x12],                               // key without length
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],   // endless varint
            [0x22, 0x02, 0x0D, 0x00],             // options with a truncated fixed32
            [0x0F],                               // wire type 7
        ]
        for bytes in cases {
            assertRPCError(.internalError, containing: "could not parse axrpc.v1.GenerateRequest",
                           try GenerateRequest(wireBytes: ByteBuffer(bytes: bytes)))
        }
        assertRPCError(.internalError, containing: "could not parse grpc.reflection.v1.ServerReflectionRequest",
                       try ServerReflectionRequest(wireBytes: ByteBuffer(bytes: [0x2A, 0x09, 0x0A])))
    }

    func testEmptyAndUnknownFieldsParse() throws {
        XCTAssertEqual(try GenerateRequest(wireBytes: ByteBuffer()), GenerateRequest())
        // Unknown field 15 (varint) is skipped.
        XCTAssertEqual(try GenerateRequest(wireBytes: ByteBuffer(bytes: [0x78, 0x01, 0x12, 0x01, 0x61])),
                       GenerateRequest(prompt: "a"))
    }

    func testParsingASliceOfALargerBuffer() throws {
        var buffer = ByteBuffer(bytes: [0xAA, 0xBB])
        buffer.writeBytes(serializedBytes(GenerateRequest(prompt: "sliced")))
        buffer.moveReaderIndex(forwardBy: 2)
        XCTAssertEqual(try GenerateRequest(wireBytes: buffer).prompt, "sliced")
    }
}
