import XCTest
@testable import RuntimeBridge

/// The runtime must not outlive the server, even when the server is killed with SIGKILL (when
/// `stop()` never runs). A Python parent plays the server: it launches the guarded program the
/// way the supervisor does (stdin a pipe it holds), prints the pid, and is then killed.
final class SupervisorOrphanGuardTests: XCTestCase {
    static let parent = #"""
import json, subprocess, sys, time
args = json.loads(sys.argv[1])
child = subprocess.Popen(['/bin/sh'] + args, stdin=subprocess.PIPE, start_new_session=True)
print(child.pid, flush=True)
time.sleep(3600)
"""#

    func testGuardedProgramDiesWithItsParent() async throws {
        let dir = try FakeRuntimeProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.parent.write(toFile: dir + "/parent.py", atomically: true, encoding: .utf8)
        // A program that ignores SIGTERM, so the watcher has to escalate to SIGKILL.
        let shellArguments = OrphanGuard.shellArguments(
            for: .program(FakeRuntimeProcess.python, arguments: ["-c", "import signal, time; "
                + "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(3600)"]),
            extraArguments: [], name: "axrpc-runtime")
        let json = String(decoding: try JSONEncoder().encode(shellArguments), as: UTF8.self)
        let parentSpec = ProcessSpec(role: "parent", invocation: .program(FakeRuntimeProcess.python,
                                     arguments: [dir + "/parent.py", json]),
                                     endpoint: RuntimeEndpoint(host: "127.0.0.1", port: 9))
        let parent = ManagedProcess(spec: parentSpec, terminationGrace: .seconds(1))

        var parentPid: Int32?
        var childPid: Int32?
        for await event in parent.events {
            switch event {
            case let .started(pid): parentPid = pid
            case let .line(line, false): childPid = Int32(line)
            default: break
            }
            if childPid != nil { break }
        }
        let child = try XCTUnwrap(childPid)
        XCTAssertFalse(ProcessTable.isGone(child))

        // The "server" dies without any chance to clean up.
        kill(try XCTUnwrap(parentPid), SIGKILL)
        await parent.waitUntilEnded()
        let gone = await ProcessTable.eventually(timeout: .seconds(20)) { ProcessTable.isGone(child) }
        XCTAssertTrue(gone, "the guarded program \(child) outlived its parent")
    }

    func testScriptsQuoteArguments() {
        let program = OrphanGuard.shellArguments(for: .program("/bin/echo", arguments: ["a b", "it's"]),
                                                 extraArguments: ["--port", "9"], name: "axrpc-runtime")
        XCTAssertEqual(Array(program.suffix(6)), ["axrpc-runtime", "/bin/echo", "a b", "it's", "--port", "9"])
        XCTAssertTrue(program[1].hasSuffix("exec \"$@\""))
        let shell = OrphanGuard.shellArguments(for: .shellCommand("./run --x"), extraArguments: ["--port", "9"],
                                               name: "axrpc-runtime")
        XCTAssertTrue(shell[1].hasSuffix("exec ./run --x '--port' '9'"), shell[1])
    }
}
