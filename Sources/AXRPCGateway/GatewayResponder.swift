import AXRPCFrontEnd
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Writes one response from the Task that serves the request. Every method may be called from
/// any thread: `Channel.write` hops to the channel's event loop, so the Task never touches
/// pipeline state directly and the loop never waits for the Task.
///
/// Backpressure: each body write is awaited until NIO has handed it to the socket (the write's
/// future), so at most one chunk per connection is buffered in the gateway; a slow reader slows
/// the relay down instead of growing memory. The engine stops the runtime when the Task is
/// cancelled, which is what a closed connection does (see `GatewayChannelHandler`).
package final class GatewayResponder: Sendable {
    private let channel: any Channel
    private let version: HTTPVersion
    /// A HEAD request gets the GET response's head (with its Content-Length) and no body.
    private let isHead: Bool
    /// HTTP/1.0 or `Connection: close`: close after the response instead of waiting for more.
    private let keepAlive: Bool
    private let headSent = NIOLockedValueBox(false)
    /// Headers every reply to this request carries (CORS), plus those a route adds before the head.
    private let commonHeaders: NIOLockedValueBox<[(String, String)]>

    package init(channel: any Channel, request: HTTPRequestHead, headers: [(String, String)] = []) {
        self.channel = channel
        commonHeaders = NIOLockedValueBox(headers)
        version = request.version
        isHead = request.method == .HEAD
        // HTTP/1.0 has no chunked encoding: a streamed body is delimited by closing the connection.
        let chunked = request.version.major > 1 || (request.version.major == 1 && request.version.minor >= 1)
        keepAlive = request.isKeepAlive && chunked
    }

    /// Whether the status line has gone out; after that, errors can only be reported in the body.
    package var hasSentHead: Bool { headSent.withLockedValue { $0 } }

    /// Names request fields that were accepted but have no effect, in `X-Axrpc-Ignored-Fields`:
    /// the trace a caller can see of what the runtime could not honour. Call before the head.
    package func reportIgnored(_ fields: [String]) {
        guard !fields.isEmpty else { return }
        commonHeaders.withLockedValue { $0.append(("X-Axrpc-Ignored-Fields", fields.joined(separator: ", "))) }
    }

    /// A complete response with a body known up front.
    package func send(_ status: HTTPResponseStatus, contentType: String, body: String,
              headers extra: [(String, String)] = []) async throws {
        var buffer = channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        var headers = HTTPHeaders(extra)
        headers.replaceOrAdd(name: "Content-Type", value: contentType)
        headers.replaceOrAdd(name: "Content-Length", value: "\(buffer.readableBytes)")
        writeHead(status, headers: headers)
        if !isHead { channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil) }
        try await finish()
    }

    /// A response without a body and without Content-Length (204 may carry neither).
    package func sendNoContent(headers extra: [(String, String)]) async throws {
        writeHead(.noContent, headers: HTTPHeaders(extra))
        try await finish()
    }

    /// A JSON response.
    package func send(_ status: HTTPResponseStatus, json: JSONValue, headers: [(String, String)] = []) async throws {
        try await send(status, contentType: "application/json; charset=utf-8", body: json.serialized(),
                       headers: headers)
    }

    /// Starts a streamed (chunked) response; follow with `stream(_:)` and `finish()`.
    package func startStream(_ status: HTTPResponseStatus, contentType: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        // Proxies (nginx) buffer responses by default; a token stream must reach the client now.
        headers.add(name: "Cache-Control", value: "no-cache")
        headers.add(name: "X-Accel-Buffering", value: "no")
        writeHead(status, headers: headers)
    }

    /// One piece of a streamed body, flushed; returns once NIO has written it to the socket.
    package func stream(_ text: String) async throws {
        var buffer = channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)))
    }

    /// Ends the response; closes the connection when the client did not ask to keep it.
    package func finish() async throws {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: promise)
        let written = promise.futureResult
        if !keepAlive {
            // After the last byte, not before: closing at once could cut the response short.
            written.whenComplete { [channel] _ in channel.close(promise: nil) }
        }
        try await written.get()
    }

    private func writeHead(_ status: HTTPResponseStatus, headers: HTTPHeaders) {
        var headers = headers
        for (name, value) in commonHeaders.withLockedValue({ $0 }) where !headers.contains(name: name) {
            headers.add(name: name, value: value)
        }
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        headSent.withLockedValue { $0 = true }
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: status,
                                                                   headers: headers)), promise: nil)
    }
}
