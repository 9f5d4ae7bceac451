import RuntimeBridge
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a short diagnostic command (`ldd`, `python3 -c 'import ...'`, `axcl-smi`) and collects
/// its combined output. Through `/bin/sh` so that the working directory and `timeout(1)` need no
/// extra plumbing; a command that hangs (a wedged card) is killed after `seconds`.
package enum CommandProbe {
    /// The exit status (128 + signal when killed) and what the command printed.
    package struct Outcome {
        package var status: Int32
        package var output: String
        /// `timeout` exits with 124 when it had to kill the command.
        package var timedOut: Bool { status == 124 }
    }

    package static func run(_ argv: [String], directory: String? = nil, environment: [String: String] = [:],
                    seconds: Int = 20) -> Outcome? {
        var script = argv.map(quote).joined(separator: " ")
        if ProgramLookup.find("timeout") != nil { script = "timeout \(seconds) " + script }
        if let directory { script = "cd \(quote(directory)) && exec " + script } else { script = "exec " + script }
        script += " 2>&1"
        var merged = ProcessEnvironment.current
        for (key, value) in environment { merged[key] = value }
        let envp = merged.map { "\($0.key)=\($0.value)" }

        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], STDOUT_FILENO)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)

        var pid = pid_t()
        let spawned = withCStrings(["/bin/sh", "-c", script]) { args in
            withCStrings(envp) { env in posix_spawn(&pid, "/bin/sh", &actions, nil, args, env) }
        }
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            return nil
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            if bytes.count < 64 * 1024 { bytes += chunk[0..<count] }
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(status: exitStatus, output: String(decoding: bytes, as: UTF8.self))
    }

    package static func quote(_ word: String) -> String {
        let safe = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@".contains($0) }
        return safe ? word : "'" + word.replacing("'", with: "'\\''") + "'"
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { buffer in
            // Never empty (the nil terminator), so the base address exists.
            guard let base = buffer.baseAddress else { preconditionFailure("empty argument vector") }
            return body(base)
        }
    }
}
