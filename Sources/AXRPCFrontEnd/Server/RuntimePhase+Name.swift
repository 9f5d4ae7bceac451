import RuntimeBridge

extension RuntimePhase {
    /// The lowercase name every front end shows: `/readyz`, systemd's status line, metrics labels.
    package var name: String {
        switch self {
        case .starting: return "starting"
        case .ready: return "ready"
        case .busy: return "busy"
        case .restarting: return "restarting"
        case .failed: return "failed"
        case .stopped: return "stopped"
        }
    }
}
