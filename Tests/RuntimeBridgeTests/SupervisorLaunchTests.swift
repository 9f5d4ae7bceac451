import XCTest
@testable import RuntimeBridge

/// Launch mode against fake runtimes: readiness, output, restarts, giving up, stopping.
final class SupervisorLaunchTests: XCTestCase {
    private var dir = ""

    override func setUp() async throws {
        dir = try FakeRuntimeProcess.makeDirectory()
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func supervisor(_ runtime: ProcessSpec, tokenizer: ProcessSpec? = nil,
                            options: SupervisorOptions = FakeRuntimeProcess.fastOptions) -> RuntimeSupervisor {
        RuntimeSupervisor(plan: RuntimePlan(mode: .launch(runtime: runtime, tokenizer: tokenizer)),
                          options: options, logger: FakeRuntimeProcess.logger)
    }

    func testReadyOnceThePortAcceptsAndStartupLinesAreKept() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        let sup = supervisor(FakeRuntimeProcess.spec(dir: dir, port: port, ["--load-seconds", "0.5"]))
        let first = try await sup.snapshot(matching: { _ in true })
        XCTAssertEqual(first.phase, .starting)
        await sup.start()

        let incarnation = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        XCTAssertEqual(incarnation, RuntimeIncarnation(id: 1, host: "127.0.0.1", port: port))
        let ready = await sup.currentSnapshot
        XCTAssertEqual(ready.phase, .ready)
        XCTAssertEqual(ready.restarts, 0)
        // The lines before listening were drained in order; the last ones may still be in flight.
        let lines = await sup.recentOutput()
        XCTAssertEqual(lines.first, "LLM init start")
        let pid = await sup.processID()
        XCTAssertNotNil(pid)
        await sup.stop()
    }

    func testMetricsLinesAreParsed() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        let sup = supervisor(FakeRuntimeProcess.spec(dir: dir, port: port,
                                              ["--say", "Hello!ttft: 1339.12 ms", "--say", "hit eos,avg 3.65 token/s"]))
        await sup.start()
        _ = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        // Output lines and the TCP accept race each other; there is no event for "line seen".
        let seen = await ProcessTable.eventually {
            let metrics = await sup.latestMetrics()
            return metrics.tokensPerSecond != nil && metrics.timeToFirstTokenMilliseconds != nil
        }
        XCTAssertTrue(seen)
        let metrics = await sup.latestMetrics()
        XCTAssertEqual(metrics.timeToFirstTokenMilliseconds, 1339.12)
        XCTAssertEqual(metrics.tokensPerSecond, 3.65)
        await sup.stop()
    }

    func testUnexpectedExitIsRestartedAsANewIncarnation() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        let sup = supervisor(FakeRuntimeProcess.spec(dir: dir, port: port,
                                              ["--exit-after", "0.3", "--once-marker", dir + "/exited-once"]))
        await sup.start()
        let first = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        let firstPid = await sup.processID()
        _ = try await sup.snapshot(matching: { $0.phase == .restarting })
        let restarted = try await sup.snapshot(matching: { $0.phase == .ready })
        XCTAssertGreaterThanOrEqual(restarted.restarts, 1)
        XCTAssertTrue(restarted.lastError.contains("exited with code 3"), restarted.lastError)
        XCTAssertTrue(restarted.lastError.contains("exiting on purpose"), restarted.lastError)
        let second = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        XCTAssertGreaterThan(second.id, first.id)
        let secondPid = await sup.processID()
        XCTAssertNotEqual(firstPid, secondPid)
        let failure = await sup.lastFailure()
        XCTAssertNotNil(failure)
        await sup.stop()
    }

    func testRepeatedStartupFailuresEndInFailedQuotingTheRuntime() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        var options = FakeRuntimeProcess.fastOptions
        options.maximumFailures = 3
        let sup = supervisor(FakeRuntimeProcess.spec(dir: dir, port: port, ["--fail"]), options: options)
        await sup.start()
        let failed = try await sup.snapshot(matching: { $0.phase == .failed })
        XCTAssertEqual(failed.restarts, 2)
        XCTAssertTrue(failed.lastError.contains("lLaMa.Init failed"), failed.lastError)
        XCTAssertTrue(failed.lastError.contains("exited with code 255 before it was ready"), failed.lastError)
        XCTAssertTrue(failed.lastError.contains("failed 3 times"), failed.lastError)
        do {
            _ = try await sup.waitUntilReady(deadline: nil)
            XCTFail("a failed runtime cannot become ready")
        } catch let BridgeError.unavailable(message) {
            XCTAssertTrue(message.contains("lLaMa.Init failed"), message)
        }
        let lastFailure = await sup.lastFailure()
        XCTAssertTrue(lastFailure?.contains("init axmodel(qwen3_p128_l0_together.axmodel) failed") ?? false)
        await sup.stop()
        let stopped = await sup.currentSnapshot
        XCTAssertEqual(stopped.phase, .stopped)
    }

    func testStartupTimeoutCountsAsAFailure() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        var options = FakeRuntimeProcess.fastOptions
        options.startupTimeout = .milliseconds(500)
        options.maximumFailures = 1
        options.terminationGrace = .milliseconds(200)
        let sup = supervisor(FakeRuntimeProcess.spec(dir: dir, port: port, ["--never-listen"]), options: options)
        await sup.start()
        let failed = try await sup.snapshot(matching: { $0.phase == .failed })
        XCTAssertTrue(failed.lastError.contains("did not accept connections at http://127.0.0.1:\(port)"), failed.lastError)
        XCTAssertTrue(failed.lastError.contains("LLM init start"), failed.lastError)
        let pidValue = await sup.processID()
        let pid = try XCTUnwrap(pidValue)
        XCTAssertTrue(ProcessTable.isReaped(pid))
        await sup.stop()
    }

    func testWaitUntilReadyHonoursItsDeadline() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        let sup = supervisor(FakeRuntimeProcess.spec(dir: dir, port: port, ["--never-listen"]))
        await sup.start()
        do {
            _ = try await sup.waitUntilReady(deadline: .now + .milliseconds(300))
            XCTFail("never listens")
        } catch let BridgeError.deadlineExceeded(message) {
            XCTAssertTrue(message.contains("not ready"), message)
        }
        await sup.stop()
    }

    func testStopTerminatesAndReapsEvenAStubbornRuntime() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        var options = FakeRuntimeProcess.fastOptions
        options.terminationGrace = .milliseconds(300)
        let sup = supervisor(FakeRuntimeProcess.spec(dir: dir, port: port, ["--ignore-term"]), options: options)
        await sup.start()
        _ = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        let pidValue = await sup.processID()
        let pid = try XCTUnwrap(pidValue)
        XCTAssertFalse(ProcessTable.isGone(pid))

        await sup.stop()
        XCTAssertTrue(ProcessTable.isReaped(pid), "stop() returned with pid \(pid) still present")
        let snapshot = await sup.currentSnapshot
        XCTAssertEqual(snapshot.phase, .stopped)
        do {
            _ = try await sup.waitUntilReady(deadline: nil)
            XCTFail("stopped")
        } catch let BridgeError.unavailable(message) {
            XCTAssertTrue(message.contains("stopped"), message)
        }
        // The orphan guard's watcher leaves once the server closes its pipe.
        let watcherGone = await ProcessTable.eventually {
            ProcessTable.pids(commandLineContaining: "\(OrphanGuard.watcherName) \(pid)").isEmpty
        }
        XCTAssertTrue(watcherGone)
        await sup.stop() // idempotent
    }

    func testRestartRequestMakesANewIncarnation() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        let sup = supervisor(FakeRuntimeProcess.spec(dir: dir, port: port))
        await sup.start()
        let first = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        let firstPidValue = await sup.processID()
        let firstPid = try XCTUnwrap(firstPidValue)
        await sup.restart(reason: "test: generation hung")
        _ = try await sup.snapshot(matching: { $0.phase == .restarting })
        let ready = try await sup.snapshot(matching: { $0.phase == .ready })
        XCTAssertEqual(ready.restarts, 1)
        let second = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        XCTAssertEqual(second.id, first.id + 1)
        XCTAssertTrue(ProcessTable.isReaped(firstPid))
        let failure = await sup.lastFailure()
        XCTAssertNil(failure, "a requested restart is not a failure")
        await sup.stop()
    }

    func testTokenizerStartsFirstAndItsDeathRestartsBoth() async throws {
        let tokenizerPort = try await FakeRuntimeProcess.freePort()
        let runtimePort = try await FakeRuntimeProcess.freePort()
        let tokenizer = FakeRuntimeProcess.spec(dir: dir, port: tokenizerPort, role: "tokenizer", ["--load-seconds", "0.3"])
        let runtime = FakeRuntimeProcess.spec(dir: dir, port: runtimePort, ["--require-port", "\(tokenizerPort)"])
        let sup = supervisor(runtime, tokenizer: tokenizer)
        await sup.start()
        let first = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        XCTAssertEqual(first.port, runtimePort)
        let lines = await sup.recentOutput()
        XCTAssertTrue(lines.contains("connect http://127.0.0.1:\(tokenizerPort) ok"), "\(lines)")
        let runtimePidValue = await sup.processID()
        let runtimePid = try XCTUnwrap(runtimePidValue)
        let tokenizerPidValue = await sup.processID(role: "tokenizer")
        let tokenizerPid = try XCTUnwrap(tokenizerPidValue)

        kill(tokenizerPid, SIGKILL)
        _ = try await sup.snapshot(matching: { $0.phase == .restarting })
        let ready = try await sup.snapshot(matching: { $0.phase == .ready })
        XCTAssertTrue(ready.lastError.contains("tokenizer was killed by signal 9"), ready.lastError)
        XCTAssertTrue(ProcessTable.isReaped(runtimePid), "the runtime must restart with its tokenizer")
        let newRuntimePid = await sup.processID()
        XCTAssertNotEqual(newRuntimePid, runtimePid)
        await sup.stop()
    }

    func testABusyPortIsReportedWithoutLaunching() async throws {
        let blocker = try await ServerBootstrapHelper.listen()
        var options = FakeRuntimeProcess.fastOptions
        options.maximumFailures = 1
        let sup = supervisor(FakeRuntimeProcess.spec(dir: dir, port: blocker.port), options: options)
        await sup.start()
        let failed = try await sup.snapshot(matching: { $0.phase == .failed })
        XCTAssertTrue(failed.lastError.contains("something else already accepts connections"), failed.lastError)
        let pid = await sup.processID()
        XCTAssertNil(pid)
        await sup.stop()
        try await blocker.close()
    }

    func testShellCommandSourceAndManySubscribers() async throws {
        let port = try await FakeRuntimeProcess.freePort()
        let command = "\(FakeRuntimeProcess.python) \(dir)/fake_runtime.py --port \(port) --load-seconds 0.2"
        let resolved = try RuntimeSource.launch(command: command, url: "http://127.0.0.1:\(port)").resolve()
        let sup = RuntimeSupervisor(plan: resolved.plan, options: FakeRuntimeProcess.fastOptions, logger: FakeRuntimeProcess.logger)
        let waits = (0..<4).map { _ in Task { try await sup.snapshot(matching: { $0.phase == .ready }) } }
        await sup.start()
        for wait in waits {
            let snapshot = try await wait.value
            XCTAssertEqual(snapshot.phase, .ready)
        }
        await sup.stop()
    }

    func testEmulatorSourceGetsAFreshPort() async throws {
        // The fake takes `--port N` like axllm-emulator; the supervisor chooses N.
        let wrapper = dir + "/fake-emulator"
        try "#!/bin/sh\nexec \(FakeRuntimeProcess.python) \(dir)/fake_runtime.py \"$@\"\n"
            .write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        let resolved = try RuntimeSource.builtInEmulator(emulatorPath: wrapper, arguments: ["--load-seconds", "0.1"])
            .resolve()
        XCTAssertTrue(resolved.plan.emulated)
        XCTAssertTrue(resolved.model.descriptor.emulated)
        let sup = RuntimeSupervisor(plan: resolved.plan, options: FakeRuntimeProcess.fastOptions, logger: FakeRuntimeProcess.logger)
        await sup.start()
        let incarnation = try await sup.waitUntilReady(deadline: .now + .seconds(30))
        XCTAssertNotEqual(incarnation.port, 0)
        let lines = await sup.recentOutput()
        XCTAssertTrue(lines.contains("LLM init start"))
        await sup.stop()
    }
}
