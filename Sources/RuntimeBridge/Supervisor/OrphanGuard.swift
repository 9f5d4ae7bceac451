/// Makes a supervised program die with the server, however the server dies (even SIGKILL).
///
/// Linux's `prctl(PR_SET_PDEATHSIG)` would need a hook between fork and exec, which
/// swift-subprocess 1.0.2 does not offer on Linux (its `preSpawnProcessConfigurator` is
/// Darwin/Windows only); it is also tied to the spawning *thread*, and Swift's cooperative pool
/// threads come and go, which would kill the runtime at random. Instead every program runs under
/// a `/bin/sh` that:
///   1. keeps the stdin pipe the server holds open (the server never writes to it),
///   2. starts a tiny background watcher, `axrpc-orphan-guard PID`, reading that pipe: the kernel
///      closes the server's end when the server process ends, for any reason, and the watcher
///      then sends SIGTERM to the program's process group, and SIGKILL 5 s later if the program
///      is still there,
///   3. `exec`s the program with stdin from /dev/null, so the program keeps the shell's pid.
/// On a normal stop the server signals the program's process group (the watcher included); when
/// the program exits by itself the server closes the pipe and the watcher's signals find a dead
/// (not yet reaped, or gone) pid.
enum OrphanGuard {
    /// The watcher: ignores the SIGTERM a normal stop sends to the group, waits for end of file
    /// on its stdin, then terminates `$1`'s process group (the program leads one; see
    /// `ManagedProcess`), falling back to the pid alone. `kill -SIG -PGID` is the form dash accepts.
    static let watcher = "trap '' TERM; while read -r _; do :; done; "
        + "kill -TERM -\"$1\" 2>/dev/null || kill -TERM \"$1\" 2>/dev/null || exit 0; n=0; "
        + "while kill -0 \"$1\" 2>/dev/null && [ \"$n\" -lt 50 ]; do sleep 0.1; n=$((n+1)); done; "
        + "kill -KILL -\"$1\" 2>/dev/null || kill -KILL \"$1\" 2>/dev/null"

    static let watcherName = "axrpc-orphan-guard"

    /// The `sh -c` script that arms the watcher and then runs `command` (shell syntax, placed
    /// after `exec`).
    static func script(execing command: String) -> String {
        """
        exec 3<&0 </dev/null
        /bin/sh -c \(ShellQuoting.quote(watcher)) \(watcherName) $$ <&3 >/dev/null 2>&1 3<&- &
        exec 3<&-
        exec \(command)
        """
    }

    /// The `/bin/sh` arguments that run `invocation` (plus `extraArguments`) under the guard;
    /// `name` becomes the shell's `$0`, which it uses in its own error messages.
    static func shellArguments(for invocation: ProcessSpec.Invocation, extraArguments: [String],
                               name: String) -> [String] {
        switch invocation {
        case let .shellCommand(command):
            let extra = extraArguments.map(ShellQuoting.quote).joined(separator: " ")
            return ["-c", script(execing: extra.isEmpty ? command : command + " " + extra), name]
        case let .program(program, arguments):
            return ["-c", script(execing: "\"$@\""), name, program] + arguments + extraArguments
        }
    }
}
