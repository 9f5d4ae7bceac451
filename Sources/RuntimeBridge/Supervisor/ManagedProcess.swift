import Subprocess

/// What a launched program reports, in order: its pid, each output line, then its end.
enum ProcessEvent: Sendable {
    case started(pid: Int32)
    case line(String, standardError: Bool)
    case ended(ProcessEnd)
}

/// One launched program: spawned with swift-subprocess under the `OrphanGuard` shell, in a
/// process group of its own (so a terminal's Ctrl-C reaches only the server, which then stops
/// it in order), with stdout and stderr drained continuously (a full pipe would block it).
final class ManagedProcess: Sendable {
    let events: AsyncStream<ProcessEvent>
    private let stopRequests: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>

    /// Starts `spec` at once; `extraArguments` are appended to its command (e.g. `--port N`).
    init(spec: ProcessSpec, extraArguments: [String] = [], terminationGrace: Duration,
         maximumLineBytes: Int = 4096) {
        let (events, eventSink) = AsyncStream.makeStream(of: ProcessEvent.self, bufferingPolicy: .unbounded)
        let (requests, requestSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.events = events
        self.stopRequests = requestSink

        var options = PlatformOptions()
        options.processGroupID = 0
        // Used only if this task is cancelled; `terminate()` is the normal path.
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: terminationGrace)]
        let arguments = OrphanGuard.shellArguments(for: spec.invocation, extraArguments: extraArguments,
                                                   name: "axrpc-" + spec.role)
        var environment: [Environment.Key: String?] = [:]
        for (key, value) in spec.environment {
            if let key = Environment.Key(rawValue: key) { environment[key] = value }
        }
        let updates = environment
        let workingDirectory = spec.workingDirectory

        task = Task {
            let end: ProcessEnd
            do {
                let result = try await run(
                    .path("/bin/sh"), arguments: Arguments(arguments),
                    environment: .inherit.updating(updates),
                    workingDirectory: workingDirectory.map { .init($0) },
                    platformOptions: options,
                    input: .inputWriter, output: .sequence, error: .sequence
                ) { execution in
                    eventSink.yield(.started(pid: execution.processIdentifier.value))
                    await Self.supervise(execution, requests: requests, grace: terminationGrace,
                                         maximumLineBytes: maximumLineBytes, sink: eventSink)
                }
                end = ProcessEnd(result.terminationStatus)
            } catch {
                end = ProcessEnd(.launchFailed("\(error)"))
            }
            eventSink.yield(.ended(end))
            eventSink.finish()
            requestSink.finish()
        }
    }

    /// SIGTERM to its process group, SIGKILL after the grace period. Returns at once; the end
    /// arrives as `.ended` on `events`.
    func terminate() {
        stopRequests.yield(())
    }

    /// Returns when the program has ended and been reaped.
    func waitUntilEnded() async {
        await task.value
    }

    /// Drains both streams and serves a stop request, until both streams end (at the program's
    /// exit; swift-subprocess cancels the reads then even if a grandchild holds the pipes).
    private static func supervise(
        _ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>,
        requests: AsyncStream<Void>, grace: Duration, maximumLineBytes: Int,
        sink: AsyncStream<ProcessEvent>.Continuation
    ) async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await drain(execution.standardOutput, standardError: false, maximumLineBytes, sink)
                return true
            }
            group.addTask {
                await drain(execution.standardError, standardError: true, maximumLineBytes, sink)
                return true
            }
            group.addTask {
                for await _ in requests {
                    signal(execution, .terminate)
                    do { try await Task.sleep(for: grace) } catch { return false }
                    signal(execution, .kill)
                    return false
                }
                return false
            }
            var drained = 0
            while let finished = await group.next() {
                if finished {
                    drained += 1
                    if drained == 2 { group.cancelAll() }
                }
            }
        }
    }

    private static func drain(_ stream: SubprocessOutputSequence, standardError: Bool, _ maximumLineBytes: Int,
                              _ sink: AsyncStream<ProcessEvent>.Continuation) async {
        var splitter = LineSplitter(maximumLineBytes: maximumLineBytes)
        do {
            for try await buffer in stream {
                buffer.withUnsafeBytes { bytes in
                    splitter.append(bytes) { sink.yield(.line($0, standardError: standardError)) }
                }
            }
        } catch {
            // A read error ends the stream like end of file; the exit status tells the rest.
        }
        if let rest = splitter.finish() { sink.yield(.line(rest, standardError: standardError)) }
    }

    /// To the process group (the program and anything it started), else to the pid alone.
    private static func signal(_ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>,
                               _ signal: Signal) {
        do {
            try execution.send(signal: signal, toProcessGroup: true)
        } catch {
            try? execution.send(signal: signal)
        }
    }
}
