import ArgumentParser

/// How SIGTERM (or SIGINT) drains the server: calls still waiting in the queue get UNAVAILABLE at
/// once, calls in flight may finish within `--drain-timeout`, then what is left is cut, the
/// runtime is stopped and the process exits 0.
package struct DrainOptions: ParsableArguments {
    package init() {}

    package static let defaultSeconds = 5.0
    /// A day: more is a typo, and the milliseconds must fit `Duration`'s Int64 arithmetic.
    package static let maxSeconds = 86_400.0

    @Option(name: .customLong("drain-timeout"),
            help: ArgumentHelp("After SIGTERM: how long calls in flight may run before they are cut (queued calls get UNAVAILABLE at once); then the runtime stops and the server exits 0. Default 5.",
                               valueName: "seconds"))
    package var drainTimeout: Double?

    @Option(name: .customLong("shutdown-grace-seconds"),
            help: ArgumentHelp("Deprecated: the old name of --drain-timeout, used when that is not set.", valueName: "seconds"))
    package var shutdownGraceSeconds: Double?

    /// `--drain-timeout`, else the old `--shutdown-grace-seconds`, else 5: the new name wins from
    /// whichever source, so an old configuration file cannot override a new flag.
    package var seconds: Double {
        drainTimeout ?? shutdownGraceSeconds ?? Self.defaultSeconds
    }

    package var grace: Duration {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }

    package func validate() throws {
        for (flag, value) in [("--drain-timeout", drainTimeout), ("--shutdown-grace-seconds", shutdownGraceSeconds)] {
            guard let value else { continue }
            guard value.isFinite, value >= 0, value <= Self.maxSeconds else {
                throw ValidationError("\(flag) must be between 0 and \(Int(Self.maxSeconds)) seconds")
            }
        }
    }
}
