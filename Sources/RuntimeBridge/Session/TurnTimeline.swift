/// When a turn's text came and went, as the summary needs it: time to first token, prefill and
/// the decode rate over the runtime's own time (`DecodeRate`).
struct TurnTimeline: Sendable, Equatable {
    typealias Instant = ContinuousClock.Instant

    /// The first text relayed to the caller.
    var firstDeltaAt: Instant?
    /// The runtime's first chunk (the think prefix), its last, and when the end of the run was seen.
    var firstChunkAt: Instant?
    var lastChunkAt: Instant?
    var endSeenAt: Instant?
    /// The reply began with the empty think block, which the bridge strips (its tokens were decoded).
    var strippedThinkPrefix = false

    /// A chunk of this turn's text arrived at `now`.
    mutating func chunk(at now: Instant) {
        if firstChunkAt == nil { firstChunkAt = now }
        lastChunkAt = now
    }
}
