/// What the programs print: kept for error reports, parsed for metrics, and logged one log line
/// per output line, prefixed `[runtime 1234]` so that a person can tell it from the server's own.
extension RuntimeSupervisor {
    func handleProcessEvent(_ event: ProcessEvent, role: String) {
        guard var child = children[role] else { return }
        switch event {
        case let .started(pid):
            child.pid = pid
            let directory = child.spec.workingDirectory.map { ", working directory \($0)" } ?? ""
            logger.info("\(role) started, pid \(pid)\(directory)")
        case let .line(line, standardError):
            child.tail.append(line)
            if let announced = RuntimeOutputParser.announcedPort(in: line), announced != child.endpoint.port {
                // A runtime build with another port than the configured URL: readiness would never come.
                let message = "\(role) says it listens on port \(announced), but the server expects it at "
                    + "\(child.endpoint.url): fix the URL (--runtime-url / \"url\" in axrpc-model.json)"
                logger.warning("\(message)")
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
        let message = "[\(role)\(pid.map { " \($0)" } ?? "")\(standardError ? " stderr" : "")] \(line)"
        // While loading, every line is news; once serving, stdout mostly echoes generated text.
        if RuntimeOutputParser.looksLikeFailure(line) && (!accepting || standardError) {
            logger.warning("\(message)")
        } else if accepting {
            logger.debug("\(message)")
        } else {
            logger.info("\(message)")
        }
    }

    /// "; last lines:" and the program's last output lines, or "" when it printed nothing.
    func lastLines(of role: String, count: Int = 10) -> String {
        guard let quoted = children[role]?.tail.quoted(last: count), !quoted.isEmpty else {
            return " (it printed nothing)"
        }
        return "; its last lines:\n" + quoted
    }
}
