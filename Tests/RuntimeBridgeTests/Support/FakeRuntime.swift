import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An in-process twin of the runtime's legacy HTTP API with scripted replies, for tests.
/// Thread-safe: the NIO handlers and the test touch its state under one lock.
final class FakeRuntime: @unchecked Sendable {
    /// How the runtime answers one `/api/generate`.
    struct Reply: Sendable {
        /// What successive polls return; "" is an empty chunk (incomplete UTF-8 on the real one).
        var chunks: [String]
        /// Polls answered `done: true` before the work "starts".
        var earlyDonePolls = 0
        /// After this many chunks, polls answer `""`/`done: false` until `release()` (or a stop).
        var holdAfter: Int?
        /// A hung runtime: stops have no effect and the generation never ends.
        var ignoresStop = false
        /// After this many chunks the process "dies": every socket closes, connects are refused.
        var dieAfter: Int?
        /// The last chunk comes with `done: true` (otherwise one more poll says done).
        var lastChunkSaysDone = false

        init(chunks: [String], earlyDonePolls: Int = 0, holdAfter: Int? = nil, ignoresStop: Bool = false,
             dieAfter: Int? = nil, lastChunkSaysDone: Bool = false) {
            self.chunks = chunks
            self.earlyDonePolls = earlyDonePolls
            self.holdAfter = holdAfter
            self.ignoresStop = ignoresStop
            self.dieAfter = dieAfter
            self.lastChunkSaysDone = lastChunkSaysDone
        }
    }

    /// One request the fake received.
    struct Request: Sendable {
        var method: String
        var path: String
        var body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    private struct Generation {
        var reply: Reply
        var served = 0
        var earlyDoneLeft: Int
        var stopped = false
        var released = false
        var finished = false
    }

    private let lock = NSLock()
    private var script: @Sendable (String) -> Reply = { _ in Reply(chunks: ["Hello", " world"]) }
    private var busyAnswersAfterReset = 0
    private var busyLeft = 0
    private var generation: Generation?
    private var log: [Request] = []
    private var waiters: [(condition: @Sendable ([Request]) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = []
    private var closeAfterEachResponse = false
    private var forcedAnswers: [Answer] = []
    private var silent = false
    private var worker: WorkerModel?

    private let group: any EventLoopGroup
    private var serverChannel: (any Channel)?
    private var connections: [ObjectIdentifier: any Channel] = [:]
    private var accepted = 0
    private var onDeath: (@Sendable () -> Void)?
    private(set) var port = 0

    init(group: any EventLoopGroup) {
        self.group = group
    }

    func start() async throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                self.register(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(FakeRuntimeHandler(runtime: self))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        locked {
            serverChannel = channel
            port = channel.localAddress?.port ?? 0
        }
    }

    /// Closes every socket, as a crashed runtime would; returns when the port refuses connections.
    func kill() async {
        try? await killNow()?.get()
    }

    /// Starts closing every socket (usable on an event loop); the future ends when the listening
    /// socket is closed.
    @discardableResult
    func killNow() -> EventLoopFuture<Void>? {
        let (server, open, hook) = locked { () -> ((any Channel)?, [any Channel], (@Sendable () -> Void)?) in
            let result = (serverChannel, Array(connections.values), onDeath)
            serverChannel = nil
            connections = [:]
            return result
        }
        hook?()
        for channel in open { channel.close(promise: nil) }
        return server?.close()
    }

    // MARK: - Test controls

    /// Connections accepted so far.
    var acceptedConnections: Int { locked { accepted } }

    func setScript(_ script: @escaping @Sendable (String) -> Reply) { locked { self.script = script } }
    func setReply(_ reply: Reply) { setScript { _ in reply } }
    /// Every reset makes the next `count` generate calls answer "llm is running".
    func setBusyAnswersAfterReset(_ count: Int) { locked { busyAnswersAfterReset = count } }
    func setCloseAfterEachResponse(_ value: Bool) { locked { closeAfterEachResponse = value } }
    func setOnDeath(_ hook: @escaping @Sendable () -> Void) { locked { onDeath = hook } }
    /// A wedged runtime: requests are read and never answered.
    func setSilent(_ value: Bool) { locked { silent = value } }
    /// The next request gets this answer, whatever it is.
    func failNext(status: HTTPResponseStatus, body: String) {
        locked { forcedAnswers.append(Answer(status: status, body: body, close: false)) }
    }
    /// Answers every request from a model of the vendor's worker (FIFO tasks, busy only while a
    /// task runs, one global text queue) instead of the scripted replies.
    func useWorker(_ model: WorkerModel) { locked { worker = model } }
    /// Reads the worker model under the fake's lock.
    func withWorker<T>(_ body: (WorkerModel) -> T) -> T? { locked { worker.map(body) } }
    /// Lets a held generation go on.
    func release() { locked { generation?.released = true } }

    var requests: [Request] { locked { log } }
    var generateRequests: [Request] { requests.filter { $0.path == "/api/generate" } }
    /// The prompts of accepted and refused generate calls, in order.
    var prompts: [String] { generateRequests.map { $0.json["prompt"] as? String ?? "" } }
    var resetPrompts: [String] {
        requests.filter { $0.path == "/api/reset" }.map { $0.json["system_prompt"] as? String ?? "" }
    }
    var stopCount: Int { requests.filter { $0.path == "/api/stop" }.count }

    /// Resumes when the request log satisfies `condition`; false after `timeout` seconds.
    func waitUntil(timeout: Double = 10, _ condition: @escaping @Sendable ([Request]) -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            let satisfied = locked { () -> Bool in
                if condition(log) { return true }
                waiters.append((condition, continuation))
                return false
            }
            if satisfied {
                continuation.resume(returning: true)
                return
            }
            Task {
                try? await Task.sleep(for: .seconds(timeout))
                self.expireWaiters()
            }
        }
    }

    // MARK: - Protocol

    struct Answer {
        var status: HTTPResponseStatus
        var body: String
        var close: Bool
        var die = false
        var silent = false
    }

    func handle(method: String, path: String, body: String) -> Answer {
        let answer = locked { () -> Answer in
            log.append(Request(method: method, path: path, body: body))
            var answer = answerLocked(method: method, path: path, body: body)
            answer.close = answer.close || closeAfterEachResponse
            return answer
        }
        notifyWaiters()
        return answer
    }

    private func answerLocked(method: String, path: String, body: String) -> Answer {
        if silent { return Answer(status: .ok, body: "", close: false, silent: true) }
        if !forcedAnswers.isEmpty { return forcedAnswers.removeFirst() }
        if let worker {
            let (status, answer) = worker.answer(path: path, body: body)
            return Answer(status: HTTPResponseStatus(statusCode: status), body: answer, close: false)
        }
        let ok = Answer(status: .ok, body: #"{"status":"ok"}"#, close: false)
        switch path {
        case "/api/reset":
            generation = nil
            busyLeft = busyAnswersAfterReset
            return ok
        case "/api/stop":
            if var running = generation, !running.reply.ignoresStop {
                running.stopped = true
                generation = running
            }
            return ok
        case "/api/generate":
            let json = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
            guard let prompt = json?["prompt"] as? String else {
                return Answer(status: .badRequest, body: #"{"error":"Invalid request format"}"#, close: false)
            }
            if busyLeft > 0 || (generation.map { !$0.finished } ?? false) {
                busyLeft = max(0, busyLeft - 1)
                return Answer(status: .badRequest, body: #"{"error":"llm is running"}"#, close: false)
            }
            let reply = script(prompt)
            generation = Generation(reply: reply, earlyDoneLeft: reply.earlyDonePolls)
            return ok
        case "/api/generate_provider":
            return poll()
        default:
            return Answer(status: .notFound, body: "", close: false)
        }
    }

    private func poll() -> Answer {
        func answer(_ text: String, _ done: Bool) -> Answer {
            let escaped = (try? JSONSerialization.data(withJSONObject: ["response": text, "done": done]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return Answer(status: .ok, body: escaped, close: false)
        }
        guard var running = generation, !running.finished else { return answer("", true) }
        defer { generation = running }
        if running.earlyDoneLeft > 0 {
            running.earlyDoneLeft -= 1
            return answer("", true)
        }
        if let dieAfter = running.reply.dieAfter, running.served >= dieAfter {
            return Answer(status: .ok, body: "", close: true, die: true)
        }
        if running.stopped {
            running.finished = true
            return answer("", true)
        }
        if let hold = running.reply.holdAfter, running.served >= hold, !running.released || running.reply.ignoresStop {
            return answer("", false)
        }
        guard running.served < running.reply.chunks.count else {
            running.finished = true
            return answer("", true)
        }
        let chunk = running.reply.chunks[running.served]
        running.served += 1
        let last = running.served == running.reply.chunks.count
        if last, running.reply.lastChunkSaysDone { running.finished = true }
        return answer(chunk, last && running.reply.lastChunkSaysDone)
    }

    // MARK: - Plumbing

    private func register(_ channel: any Channel) {
        locked {
            connections[ObjectIdentifier(channel)] = channel
            accepted += 1
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.locked { _ = self?.connections.removeValue(forKey: ObjectIdentifier(channel)) }
        }
    }

    private func notifyWaiters() {
        let ready = locked { () -> [CheckedContinuation<Bool, Never>] in
            var ready: [CheckedContinuation<Bool, Never>] = []
            waiters.removeAll { waiter in
                guard waiter.condition(log) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    private func expireWaiters() {
        let expired = locked { () -> [CheckedContinuation<Bool, Never>] in
            var expired: [CheckedContinuation<Bool, Never>] = []
            waiters.removeAll { waiter in
                let satisfied = waiter.condition(log)
                if !satisfied { expired.append(waiter.continuation) }
                return !satisfied
            }
            return expired
        }
        for continuation in expired { continuation.resume(returning: false) }
        notifyWaiters()
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// Turns HTTP/1.1 requests into `FakeRuntime.handle` calls.
private final class FakeRuntimeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let runtime: FakeRuntime
    private var head: HTTPRequestHead?
    private var body = ""

    init(runtime: FakeRuntime) {
        self.runtime = runtime
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            self.head = head
            body = ""
        case let .body(buffer):
            body += String(buffer: buffer)
        case .end:
            guard let head else { return }
            let answer = runtime.handle(method: head.method.rawValue, path: head.uri, body: body)
            if answer.die {
                runtime.killNow()
                return
            }
            if answer.silent { return }
            var headers = HTTPHeaders([("Content-Type", "application/json"),
                                       ("Content-Length", String(answer.body.utf8.count))])
            headers.add(name: "Connection", value: answer.close ? "close" : "keep-alive")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: answer.status,
                                                                 headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: answer.body)))), promise: nil)
            if answer.close {
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
