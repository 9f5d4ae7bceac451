import NIOCore
import XCTest
import RPCProtocol

/// Serializes, checks the announced size, parses back.
func roundTrip<M: WireMessage & Equatable>(_ message: M, file: StaticString = #filePath, line: UInt = #line) throws -> M {
    let bytes = serializedBytes(message)
    XCTAssertEqual(bytes.count, message.serializedSize, "serializedSize of \(M.protoName)", file: file, line: line)
    return try M(wireBytes: ByteBuffer(bytes: bytes))
}

func serializedBytes<M: WireMessage>(_ message: M) -> [UInt8] {
    var buffer = ByteBuffer()
    message.serialize(into: &buffer)
    return Array(buffer.readableBytesView)
}

/// Asserts that `body` throws an RPCError with `code` whose message contains `fragment`.
func assertRPCError<T>(_ code: StatusCode, containing fragment: String, _ body: @autoclosure () throws -> T,
                       file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let error = error as? RPCError else {
            return XCTFail("not an RPCError: \(error)", file: file, line: line)
        }
        XCTAssertEqual(error.code, code, file: file, line: line)
        XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", file: file, line: line)
    }
}
