import Logging
import NIOCore
import NIOPosix
import XCTest
@testable import RuntimeBridge
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stand-in for the vendor runtime: a small Python program that prints the runtime's startup
/// lines, optionally fails like it does, and listens on a TCP port when "loaded".
enum FakeRuntimeProcess {
    static let script = #"""
import argparse, os, signal, socket, sys, time
p = argparse.ArgumentParser()
p.add_argument('--port', type=int, required=True)
p.add_argument('--load-seconds', type=float, default=0)
p.add_argument('--fail', action='store_true')
p.add_argument('--exit-after', type=float)
p.add_argument('--exit-code', type=int, default=3)
p.add_argument('--once-marker')
p.add_argument('--ignore-term', action='store_true')
p.add_argument('--require-port', type=int)
p.add_argument('--never-listen', action='store_true')
p.add_argument('--say', action='append', default=[])
a = p.parse_args()
def say(text): print(text, flush=True)
if a.ignore_term: signal.signal(signal.SIGTERM, signal.SIG_IGN)
say('LLM init start')
if a.require_port:
    try:
        socket.create_connection(('127.0.0.1', a.require_port), timeout=2).close()
        say('connect http://127.0.0.1:%d ok' % a.require_port)
    except OSError:
        say('connect http://127.0.0.1:%d failed' % a.require_port); sys.exit(255)
if a.fail:
    print('init axmodel(qwen3_p128_l0_together.axmodel) failed', file=sys.stderr, flush=True)
    say('lLaMa.Init failed'); sys.exit(255)
time.sleep(a.load_seconds)
if a.never_listen:
    time.sleep(3600)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', a.port)); s.listen(16)
say('LLM init ok'); say('Server running on port %d...' % a.port)
for line in a.say: say(line)
exit_after = a.exit_after
if exit_after is not None and a.once_marker:
    if os.path.exists(a.once_marker): exit_after = None
    else: open(a.once_marker, 'w').close()
deadline = time.time() + exit_after if exit_after is not None else None
s.settimeout(0.05)
while True:
    if deadline is not None and time.time() > deadline:
        say('exiting on purpose'); sys.exit(a.exit_code)
    try:
        c, _ = s.accept(); c.close()
    except socket.timeout:
        pass
"""#

    /// The real python3 binary (pyenv shims add a slow bash layer at every start).
    static let python: String = {
        guard let pipe = popen("python3 -c 'import sys; print(sys.executable)'", "r") else { return "python3" }
        defer { pclose(pipe) }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard fgets(&buffer, Int32(buffer.count), pipe) != nil else { return "python3" }
        let path = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? "python3" : path
    }()

    /// A fresh temporary directory holding `fake_runtime.py`.
    static func makeDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "axrpc-sup-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw XCTSkip("mkdtemp failed") }
        let dir = String(cString: made)
        try script.write(toFile: dir + "/fake_runtime.py", atomically: true, encoding: .utf8)
        return dir
    }

    static func spec(dir: String, port: Int, role: String = "runtime", _ extra: [String] = []) -> ProcessSpec {
        ProcessSpec(role: role, invocation: .program(python, arguments: [dir + "/fake_runtime.py", "--port", "\(port)"] + extra),
                    workingDirectory: dir, endpoint: RuntimeEndpoint(host: "127.0.0.1", port: port))
    }

    static func freePort() async throws -> Int {
        try await FreePort.pick()
    }

    static let fastOptions = SupervisorOptions(
        startupTimeout: .seconds(30), readinessPollInterval: .milliseconds(50),
        attachedCheckInterval: .milliseconds(100), terminationGrace: .seconds(2),
        initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(100),
        maximumFailures: 5, failureWindow: .seconds(600))

    /// Silent unless SUPERVISOR_TEST_LOGS is set (then everything, to stderr).
    static let logger: Logger = {
        guard ProcessInfo.processInfo.environment["SUPERVISOR_TEST_LOGS"] != nil else {
            return Logger(label: "supervisor-test", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        var logger = Logger(label: "supervisor-test", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .trace
        return logger
    }()
}

/// Waiting on the supervisor's own events, with a generous timeout instead of sleeps.
extension RuntimeSupervisor {
    /// The first snapshot (current one included) that satisfies `predicate`.
    nonisolated func snapshot(matching predicate: @escaping @Sendable (SupervisorSnapshot) -> Bool,
                  timeout: Duration = .seconds(30),
                  file: StaticString = #filePath, line: UInt = #line) async throws -> SupervisorSnapshot {
        let stream = snapshots()
        return try await withThrowingTaskGroup(of: SupervisorSnapshot?.self) { group in
            group.addTask {
                for await snapshot in stream where predicate(snapshot) { return snapshot }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else {
                let current = await self.currentSnapshot
                XCTFail("no matching snapshot within \(timeout); the last one was \(current)", file: file, line: line)
                throw CancellationError()
            }
            return first
        }
    }
}

/// Process checks for "no zombie, no orphan".
enum ProcessTable {
    /// True when `pid` does not exist or is only a zombie (nothing runs).
    static func isGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state == "Z" || state == "X"
    }

    /// True when no process exists at all (not even a zombie) with this pid.
    static func isReaped(_ pid: Int32) -> Bool {
        kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Polls (there is no event for another process vanishing) until `condition` or timeout.
    static func eventually(timeout: Duration = .seconds(15), _ condition: () async -> Bool) async -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    /// Pids whose command line contains `text`.
    static func pids(commandLineContaining text: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return line.contains(text) && !isGone(pid)
        }
    }
}

/// A plain TCP listener standing in for "something else on the port" or an attached runtime.
struct ServerBootstrapHelper {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    static func listen(port: Int = 0) async throws -> ServerBootstrapHelper {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { $0.close() }
            .bind(host: "127.0.0.1", port: port).get()
        return ServerBootstrapHelper(channel: channel)
    }

    func close() async throws {
        try await channel.close()
    }
}
