/// How to start one supervised program (the runtime or its tokenizer service) and where it
/// will listen once it is up.
public struct ProcessSpec: Sendable, Equatable {
    /// What to execute. Both forms run through `/bin/sh` (see `OrphanGuard`), which `exec`s the
    /// program so the pid the supervisor signals is the program's own.
    public enum Invocation: Sendable, Equatable {
        /// A shell command line, run as `exec COMMAND`: a simple command with arguments
        /// (use `env VAR=x cmd` for variables; `cd dir && cmd` does not work after `exec`).
        case shellCommand(String)
        /// A program (a path, or a name looked up on PATH) and its arguments, no shell parsing.
        case program(String, arguments: [String])
    }

    /// "runtime" or "tokenizer": used in log lines and error messages.
    public var role: String
    public var invocation: Invocation
    /// nil: the server's own working directory.
    public var workingDirectory: String?
    /// Added to (or replacing entries of) the server's environment.
    public var environment: [String: String]
    /// Where the program accepts TCP connections when ready.
    public var endpoint: RuntimeEndpoint
    /// When set (e.g. "--port"), the supervisor picks a free local port at each launch and
    /// appends `FLAG PORT` to the command; `endpoint.port` is then ignored. Chosen over `--port 0`
    /// plus reading "Server running on port N..." because a program's stdout into a pipe may be
    /// block-buffered, so that line can arrive late or only at exit.
    public var dynamicPortFlag: String?

    public init(role: String, invocation: Invocation, workingDirectory: String? = nil,
                environment: [String: String] = [:], endpoint: RuntimeEndpoint, dynamicPortFlag: String? = nil) {
        self.role = role
        self.invocation = invocation
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.endpoint = endpoint
        self.dynamicPortFlag = dynamicPortFlag
    }

    /// The command as a person would type it, for logs.
    public var commandLine: String {
        switch invocation {
        case let .shellCommand(command):
            return command
        case let .program(program, arguments):
            return ([program] + arguments).map(ShellQuoting.quoteIfNeeded).joined(separator: " ")
        }
    }
}

/// What the supervisor does: launch (and keep alive) a runtime, or watch one started elsewhere.
public struct RuntimePlan: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        /// Start `runtime`, after `tokenizer` accepts connections when there is one; restart both
        /// together whenever either exits.
        case launch(runtime: ProcessSpec, tokenizer: ProcessSpec?)
        /// Someone else runs the runtime: only probe it.
        case attach(RuntimeEndpoint)
    }

    public var mode: Mode
    /// The runtime is the built-in emulator (the supervisor says so loudly in the log).
    public var emulated: Bool

    public init(mode: Mode, emulated: Bool = false) {
        self.mode = mode
        self.emulated = emulated
    }
}

/// Single-quoting for the shell, used for logs and for building `sh -c` scripts.
enum ShellQuoting {
    static func quote(_ word: String) -> String {
        "'" + word.replacing("'", with: "'\\''") + "'"
    }

    static func quoteIfNeeded(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,%+@".contains($0) }
        return safe && !word.isEmpty ? word : quote(word)
    }
}
