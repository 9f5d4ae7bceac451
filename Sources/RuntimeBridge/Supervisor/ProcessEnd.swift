import Subprocess

/// How a supervised program ended, in words a person can act on.
struct ProcessEnd: Sendable, Equatable {
    enum Cause: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// It never ran: spawning failed (e.g. a missing working directory).
        case launchFailed(String)
    }

    var cause: Cause

    init(_ cause: Cause) {
        self.cause = cause
    }

    init(_ status: TerminationStatus) {
        switch status {
        case let .exited(code): cause = .exited(code)
        case let .signaled(signal): cause = .signaled(signal)
        }
    }

    /// "exited with code 255", "was killed by signal 9 (SIGKILL)", with a hint for the shell's
    /// own codes (127: not found, 126: cannot execute).
    var summary: String {
        switch cause {
        case let .exited(code):
            switch code {
            case 127: return "exited with code 127 (command not found)"
            case 126: return "exited with code 126 (found but could not be executed: permissions, or built for another CPU)"
            default: return "exited with code \(code)"
            }
        case let .signaled(signal):
            return "was killed by signal \(signal) (\(Self.signalName(signal)))"
        case let .launchFailed(reason):
            return "could not be started: \(reason)"
        }
    }

    /// Said when the end was not asked for: SIGKILL from nobody here is usually the kernel.
    var unexpectedHint: String {
        cause == .signaled(9) ? " (not sent by this server: the out-of-memory killer? see `dmesg`)" : ""
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 1: return "SIGHUP"
        case 2: return "SIGINT"
        case 3: return "SIGQUIT"
        case 4: return "SIGILL"
        case 6: return "SIGABRT"
        case 7: return "SIGBUS"
        case 8: return "SIGFPE"
        case 9: return "SIGKILL"
        case 11: return "SIGSEGV, a crash"
        case 13: return "SIGPIPE"
        case 15: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }
}
