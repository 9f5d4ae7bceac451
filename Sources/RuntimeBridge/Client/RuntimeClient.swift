import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The runtime's legacy HTTP API (`/api/reset`, `/api/generate`, `/api/generate_provider`,
/// `/api/stop`) over one persistent keep-alive HTTP/1.1 connection, reopened when it closes
/// (cpp-httplib closes idle connections after a few seconds and after a few requests).
///
/// A call names the event loop its caller runs on, and the connection lives on that loop: a turn
/// driven on its caller's loop then sends, waits and relays without leaving that thread. When a
/// call comes from another loop than the connection's, the connection moves: it is closed and
/// one is opened on the caller's loop (once per turn at most, since a turn stays on its loop), so
/// the runtime still sees one connection at a time. Calls are serialized: the runtime has one
/// worker and one poller is all the protocol allows.
public actor RuntimeClient {
    /// `host:port`, for messages.
    public nonisolated let endpoint: String
    private let host: String
    private let port: Int
    /// The loop for callers that run on none (idle-time work): its connection serves them.
    nonisolated let eventLoop: any EventLoop
    private let requestTimeout: TimeAmount
    private let connectTimeout: TimeAmount
    private let decoder = JSONDecoder()

    private var channel: (any Channel)?
    private var inUse = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(host: String, port: Int, eventLoopGroup: any EventLoopGroup,
                requestTimeout: TimeAmount = .seconds(5), connectTimeout: TimeAmount = .seconds(3)) {
        self.host = host
        self.port = port
        // The loop the creating task runs on, if any.
        self.eventLoop = eventLoopGroup.any()
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `POST /api/reset`. Returns before the runtime has done it: the next generate may be busy.
    public func reset(systemPrompt: String, on loop: any EventLoop) async throws(RuntimeClientError) {
        let body = try encode(RuntimeWireFormat.ResetBody(system_prompt: systemPrompt), path: "/api/reset")
        _ = try await call(.POST, "/api/reset", body: body, on: loop)
    }

    /// `POST /api/generate` with every sampling key. Throws `.busy` on `llm is running`.
    public func generate(prompt: String, sampling: ResolvedSampling, on loop: any EventLoop)
        async throws(RuntimeClientError) {
        let body = try encode(RuntimeWireFormat.GenerateBody(prompt: prompt, sampling: sampling), path: "/api/generate")
        _ = try await call(.POST, "/api/generate", body: body, on: loop)
    }

    /// `GET /api/generate_provider`: drains the runtime's text queue.
    public func poll(on loop: any EventLoop) async throws(RuntimeClientError) -> RuntimePoll {
        let path = "/api/generate_provider"
        let response = try await call(.GET, path, body: nil, on: loop)
        do {
            let decoded = try decoder.decode(RuntimeWireFormat.PollBody.self, from: Data(response.body.readableBytesView))
            return RuntimePoll(text: decoded.response ?? "", done: decoded.done)
        } catch {
            throw .malformedResponse(path: path, detail: "\(error) in \(Self.excerpt(response.body))")
        }
    }

    /// `GET /api/stop`: aborts the running generation within a layer; lost if none runs yet.
    public func stop(on loop: any EventLoop) async throws(RuntimeClientError) {
        _ = try await call(.GET, "/api/stop", body: nil, on: loop)
    }

    /// Closes the connection; a later call opens a new one.
    public func close() async {
        let old = channel
        channel = nil
        try? await old?.close()
    }

    // MARK: - Exchange

    private func call(_ method: HTTPMethod, _ path: String, body: ByteBuffer?, on loop: any EventLoop)
        async throws(RuntimeClientError) -> RuntimeHTTPResponse {
        await acquire()
        defer { release() }
        let response = try await exchange(method, path, body: body, on: loop)
        if response.status == .ok { return response }
        let text = String(buffer: response.body)
        if response.status == .badRequest, text.lowercased().contains("llm is running") { throw .busy }
        throw .protocolError(path: path, status: Int(response.status.code), body: text)
    }

    private func exchange(_ method: HTTPMethod, _ path: String, body: ByteBuffer?, on loop: any EventLoop)
        async throws(RuntimeClientError) -> RuntimeHTTPResponse {
        var retriedStaleConnection = false
        while true {
            let reused = channel.map { $0.isActive && $0.eventLoop === loop } ?? false
            let channel = try await connectedChannel(on: loop)
            var headers = HTTPHeaders([("Host", endpoint), ("Accept", "application/json")])
            if let body {
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: String(body.readableBytes))
            }
            let promise = channel.eventLoop.makePromise(of: RuntimeHTTPResponse.self)
            let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
            // A write to a channel that closed meanwhile may never reach the handler: fail the
            // exchange from here too (a promise completes only once; later attempts are ignored).
            let written = channel.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenFailure { error in
                promise.fail(RuntimeHTTPFailure.closed(detail: "could not send the request: \(error)",
                                                       responseStarted: false))
            }
            channel.writeAndFlush(RuntimeHTTPExchange(head: head, body: body, timeout: requestTimeout, promise: promise),
                                  promise: written)
            do {
                let response = try await promise.futureResult.get()
                if !response.keepAlive { forget(channel) }
                return response
            } catch RuntimeHTTPFailure.closed(let detail, let responseStarted) {
                forget(channel)
                // A keep-alive connection the runtime closed while idle fails the next request
                // before it is read: send it again once on a fresh connection.
                if reused, !responseStarted, !retriedStaleConnection {
                    retriedStaleConnection = true
                    continue
                }
                throw .connectionClosed(endpoint: endpoint, detail: detail)
            } catch {
                forget(channel)
                throw .timedOut(endpoint: endpoint, path: path,
                                milliseconds: Int(requestTimeout.nanoseconds / 1_000_000))
            }
        }
    }

    private func connectedChannel(on loop: any EventLoop) async throws(RuntimeClientError) -> any Channel {
        if let channel {
            if channel.isActive, channel.eventLoop === loop { return channel }
            // Closed by the runtime, or on another loop than this caller's: replace it.
            forget(channel)
        }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(RuntimeHTTPHandler())
                }
            }
        do {
            let connected = try await bootstrap.connect(host: host, port: port).get()
            channel = connected
            return connected
        } catch {
            throw .connectionRefused(endpoint: endpoint, detail: "\(error)")
        }
    }

    private func forget(_ closing: any Channel) {
        if channel === closing { channel = nil }
        closing.close(promise: nil)
    }

    private func acquire() async {
        guard inUse else {
            inUse = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            inUse = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    private func encode(_ value: some Encodable, path: String) throws(RuntimeClientError) -> ByteBuffer {
        do {
            return ByteBuffer(bytes: try RuntimeWireFormat.encode(value))
        } catch {
            throw .malformedResponse(path: path, detail: "could not encode the request: \(error)")
        }
    }

    private static func excerpt(_ body: ByteBuffer) -> String {
        let text = String(buffer: body)
        return text.count > 200 ? String(text.prefix(200)) + "..." : text
    }
}
