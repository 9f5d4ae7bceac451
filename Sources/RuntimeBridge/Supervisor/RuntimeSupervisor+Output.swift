import Logging

/// What the programs print: kept for error reports, parsed for metrics, and logged one log line
/// per output line, prefixed `[runtime 1234]` so that a person can tell it from the server's own.
extension RuntimeSupervisor {
    func handleProcessEvent(_ event: ProcessEvent, role: String) {
        guard var child = children[role] else { return }
        switch event {
        case let .started(pid):
            child.pid = pid
            logger.info("program started", metadata: ["program": "\(role)", "pid": "\(pid)",
                                                    "directory": "\(child.spec.workingDirectory ?? "")"])
        case let .line(line, standardError):
            child.tail.append(line)
            if let announced = RuntimeOutputParser.announcedPort(in: line), announced != child.endpoint.port {
                // A runtime build with another port than the configured URL: readiness would never come.
                logger.warning("the program listens on another port than the server expects: fix the URL (--runtime-url / \"url\" in axrpc-model.json)",
                               metadata: ["program": "\(role)", "announced_port": "\(announced)",
                                          "expected_url": "\(child.endpoint.url)"])
            }
            record(line, role: role, pid: child.pid, standardError: standardError, accepting: child.accepting)
        case let .ended(end):
            child.ended = end
        }
        children[role] = child
    }

    private func record(_ line: String, role: String, pid: Int32?, standardError: Bool, accepting: Bool) {
        if let ttft = RuntimeOutputParser.timeToFirstToken(in: line) { metrics.timeToFirstTokenMilliseconds = ttft }
        if let speed = RuntimeOutputParser.tokensPerSecond(in: line) { metrics.tokensPerSecond = speed }
        // One log event per output line, the line a metadata value: never a line break in a log line.
        let metadata: Logger.Metadata = ["program": "\(role)", "pid": "\(pid.map { "\($0)" } ?? "")",
                                         "stream": "\(standardError ? "stderr" : "stdout")", "line": "\(line)"]
        // While loading, every line is news; once serving, stdout mostly echoes generated text.
        if RuntimeOutputParser.looksLikeFailure(line) && (!accepting || standardError) {
            logger.warning("program output", metadata: metadata)
        } else if accepting {
            logger.debug("program output", metadata: metadata)
        } else {
            logger.info("program output", metadata: metadata)
        }
    }

    /// The program's last output lines as one log metadata value.
    func lastLinesValue(of role: String, count: Int = 10) -> Logger.Metadata.Value {
        "\(children[role]?.tail.quoted(last: count) ?? "")"
    }

    /// "; last lines:" and the program's last output lines, or "" when it printed nothing.
    func lastLines(of role: String, count: Int = 10) -> String {
        guard let quoted = children[role]?.tail.quoted(last: count), !quoted.isEmpty else {
            return " (it printed nothing)"
        }
        return "; its last lines:\n" + quoted
    }
}
