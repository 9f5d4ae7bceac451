import NIOCore
import NIOPosix

/// One HTTP/1.1 request over a real socket with `Connection: close`, and the whole response as
/// the server wrote it: status line, headers, (chunked) body. Raw on purpose, so a test sees
/// exactly what a client would.
enum HTTPExchange {
    struct Response {
        var status: Int
        var head: String
        var body: String
    }

    static func send(_ method: String, _ path: String, body: String = "", headers: [String] = [],
                     port: Int, group: any EventLoopGroup) async throws -> Response {
        let done = group.next().makePromise(of: String.self)
        let collector = Collector(done: done)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for header in headers { request += header + "\r\n" }
        if !body.isEmpty { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + body
        try await channel.writeAndFlush(ByteBuffer(string: request))
        let raw = try await done.futureResult.get()
        let parts = raw.split(separator: "\r\n\r\n", maxSplits: 1).map(String.init)
        let head = parts.first ?? ""
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return Response(status: status, head: head, body: parts.count > 1 ? parts[1] : "")
    }

    /// Collects everything the server sends until it closes the connection.
    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private var received = ""
        private let promise: EventLoopPromise<String>

        init(done: EventLoopPromise<String>) {
            promise = done
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(received)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
