import NIOCore

/// Answers a connection over `--max-connections` in its own protocol once the client has spoken
/// (after TLS, so the answer is readable), then closes it: gRPC clients get GOAWAY with
/// ENHANCE_YOUR_CALM and a reason (grpcio reports UNAVAILABLE and retries), HTTP clients a 503
/// with `Retry-After`.
package final class ConnectionRefusalHandler: ChannelInboundHandler {
    package typealias InboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    package static let reason = "too many connections to this server; try again later"

    private let kind: ConnectionProtocol
    private var answered = false

    package init(kind: ConnectionProtocol) {
        self.kind = kind
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        var buffer = context.channel.allocator.buffer(capacity: 128)
        switch kind {
        case .grpc: buffer.writeBytes(Self.http2Refusal())
        case .http: buffer.writeString(Self.httpRefusal())
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// The server preface (an empty SETTINGS frame) and GOAWAY(last stream 0, ENHANCE_YOUR_CALM).
    package static func http2Refusal() -> [UInt8] {
        let debug = Array(reason.utf8)
        var bytes: [UInt8] = [0, 0, 0, 0x04, 0, 0, 0, 0, 0]
        let length = 8 + debug.count
        bytes += [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), 0x07, 0, 0, 0, 0, 0]
        bytes += [0, 0, 0, 0, 0, 0, 0, 0x0b] + debug
        return bytes
    }

    package static func httpRefusal() -> String {
        let body = #"{"error":"\#(reason)"}"#
        return "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n"
            + "connection: close\r\ncontent-length: \(body.utf8.count)\r\n\r\n" + body
    }
}
