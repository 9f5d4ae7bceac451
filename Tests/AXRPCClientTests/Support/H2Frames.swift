import NIOCore

/// Hand-built HTTP/2 frames of a scripted server, and a reader of what the client sent. Headers
/// use HPACK literals without indexing or Huffman coding, which every decoder must accept, so
/// that the client's nghttp2 session can be tested without a server library.
enum H2Frames {
    static let data: UInt8 = 0x0, headers: UInt8 = 0x1, rstStream: UInt8 = 0x3, settings: UInt8 = 0x4
    static let goaway: UInt8 = 0x7, windowUpdate: UInt8 = 0x8
    static let endStream: UInt8 = 0x1, endHeaders: UInt8 = 0x4, ack: UInt8 = 0x1

    struct Frame {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]
    }

    static func frame(_ type: UInt8, flags: UInt8 = 0, stream: UInt32, _ payload: [UInt8] = []) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags,
                UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF),
                UInt8(stream & 0xFF)] + payload
    }

    static func serverSettings() -> [UInt8] { frame(settings, stream: 0) }

    static func headerBlock(_ fields: [(String, String)], stream: UInt32, endStream end: Bool = false) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in fields {
            block.append(0x00)  // literal header field without indexing, new name
            block += string(name)
            block += string(value)
        }
        return frame(headers, flags: endHeaders | (end ? endStream : 0), stream: stream, block)
    }

    static func dataFrame(_ bytes: [UInt8], stream: UInt32, endStream end: Bool = false) -> [UInt8] {
        frame(data, flags: end ? endStream : 0, stream: stream, bytes)
    }

    static func reset(stream: UInt32, code: UInt32) -> [UInt8] {
        frame(rstStream, stream: stream, bigEndian(code))
    }

    static func goawayFrame(lastStream: UInt32, code: UInt32 = 0) -> [UInt8] {
        frame(goaway, stream: 0, bigEndian(lastStream) + bigEndian(code))
    }

    /// A gRPC length-prefixed message.
    static func message(_ body: [UInt8]) -> [UInt8] {
        [0] + bigEndian(UInt32(body.count)) + body
    }

    /// The frames in bytes a client wrote, after the 24-byte connection preface.
    static func parse(_ bytes: [UInt8]) -> [Frame] {
        let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
        var index = bytes.starts(with: preface) ? preface.count : 0
        var frames: [Frame] = []
        while index + 9 <= bytes.count {
            let length = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            let stream = UInt32(bytes[index + 5] & 0x7F) << 24 | UInt32(bytes[index + 6]) << 16
                | UInt32(bytes[index + 7]) << 8 | UInt32(bytes[index + 8])
            guard index + 9 + length <= bytes.count else { break }
            frames.append(Frame(type: bytes[index + 3], flags: bytes[index + 4], stream: stream,
                                payload: Array(bytes[(index + 9)..<(index + 9 + length)])))
            index += 9 + length
        }
        return frames
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private static func string(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        precondition(bytes.count < 127, "the test encoder only does one-byte lengths")
        return [UInt8(bytes.count)] + bytes
    }
}
