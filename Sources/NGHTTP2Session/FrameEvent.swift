import CNGHTTP2

/// One frame as a session's owner sees it: the fields of `nghttp2_frame` that request and
/// response logic read, copied out at the C boundary so that no `UnsafePointer<nghttp2_frame>`
/// travels further.
package struct FrameEvent: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case data, headers, rstStream, goaway, other
    }

    package var kind: Kind
    package var streamID: Int32
    /// END_STREAM: the sender's half of the stream is closed.
    package var endStream: Bool
    /// A HEADERS frame that opens a request (what a server serves).
    package var opensRequest: Bool

    package init(kind: Kind, streamID: Int32, endStream: Bool = false, opensRequest: Bool = false) {
        self.kind = kind
        self.streamID = streamID
        self.endStream = endStream
        self.opensRequest = opensRequest
    }

    init(_ frame: UnsafePointer<nghttp2_frame>) {
        let header = frame.pointee.hd
        switch header.type {
        case UInt8(NGHTTP2_DATA.rawValue): kind = .data
        case UInt8(NGHTTP2_HEADERS.rawValue): kind = .headers
        case UInt8(NGHTTP2_RST_STREAM.rawValue): kind = .rstStream
        case UInt8(NGHTTP2_GOAWAY.rawValue): kind = .goaway
        default: kind = .other
        }
        streamID = header.stream_id
        endStream = (kind == .data || kind == .headers) && header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        opensRequest = kind == .headers && frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST
    }
}
