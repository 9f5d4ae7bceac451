/// How log lines look (`--log-format`).
package enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-12-02T08:15:40.123Z info axrpc: message key=value key="a value"`: for people.
    case text
    /// One JSON object per line (`ts`, `level`, `label`, `msg`, then the metadata): for log
    /// shippers (Loki, Kubernetes, journald's JSON export).
    case json
    /// `<6>axrpc: message key=value`: the syslog priority journald reads as the level, no
    /// timestamp (the journal keeps its own). Chosen by itself when stderr is the journal.
    case journal

    /// What the server uses when `--log-format` is not given.
    package static func automatic(environment: [String: String]) -> LogFormat {
        // systemd sets JOURNAL_STREAM when stderr is connected to the journal.
        (environment["JOURNAL_STREAM"] ?? "").isEmpty ? .text : .journal
    }
}
