import Logging
import NIOCore
import NIOHTTP1

/// Answers an HTTP request whose header list is over `--max-header-list-bytes` (counted as
/// HTTP/2 does: name + value + 32 per field) with 431 and closes the connection, before the
/// request reaches the gateway. (NIOHTTP1's parser refuses headers over 80 KiB on its own, 400.)
package final class HeaderLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias InboundOut = HTTPServerRequestPart
    package typealias OutboundOut = HTTPServerResponsePart

    private let maxHeaderListBytes: Int
    private let logger: Logger
    private var refusing = false

    package init(maxHeaderListBytes: Int, logger: Logger) {
        self.maxHeaderListBytes = maxHeaderListBytes
        self.logger = logger
    }

    package static func size(of headers: HTTPHeaders) -> Int {
        headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 32 }
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case let .head(head):
            let size = Self.size(of: head.headers)
            guard size <= maxHeaderListBytes else {
                refusing = true
                logger.info("refused a request: its headers are over the limit",
                            metadata: ["path": "\(head.uri.prefix(200))", "bytes": "\(size)",
                                       "limit": "\(maxHeaderListBytes)", "flag": "--max-header-list-bytes"])
                refuse(context, version: head.version)
                return
            }
        case .body:
            if refusing { return }
        case .end:
            if refusing { return }
        }
        context.fireChannelRead(data)
    }

    private func refuse(_ context: ChannelHandlerContext, version: HTTPVersion) {
        var body = context.channel.allocator.buffer(capacity: 128)
        body.writeString(#"{"error":"the request headers are larger than \#(maxHeaderListBytes) bytes"}"#)
        var headers = HTTPHeaders([("content-type", "application/json"), ("connection", "close")])
        headers.add(name: "content-length", value: "\(body.readableBytes)")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .requestHeaderFieldsTooLarge,
                                                             headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
