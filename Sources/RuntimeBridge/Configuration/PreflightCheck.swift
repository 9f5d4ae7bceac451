/// One line of `axrpc-server doctor`: what was checked, how it went, and what to do about it.
public struct PreflightCheck: Sendable, Equatable {
    /// `fail` makes `doctor` exit 1; `warn` is worth reading; `skip` did not apply here.
    public enum Outcome: String, Sendable, Equatable {
        case pass, warn, fail, skip
    }

    public var name: String
    public var outcome: Outcome
    /// What was found ("aarch64 ELF, executable"; "port 8000 is in use").
    public var detail: String
    /// What to do when it failed or warned; "" when nothing.
    public var fix: String

    public init(_ name: String, _ outcome: Outcome, _ detail: String, fix: String = "") {
        self.name = name
        self.outcome = outcome
        self.detail = detail
        self.fix = fix
    }
}
