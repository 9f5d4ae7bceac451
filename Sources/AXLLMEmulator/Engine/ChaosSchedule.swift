/// `--chaos SEED`: the worker's timing drawn per task (and the poll jitter per poll) from a seeded RNG, so
/// that races a bridge must survive open at random places, and a failing seed replays exactly.
///
/// Each draw depends only on (seed, task number) or (seed, poll number), never on what ran before, so the
/// same seed gives the same per-task draws whatever the timing of the requests. The draws replace
/// `--dispatch-ms`, `--task-gap-ms` and `--reset-ms`; the token interval varies around `--tokens-per-second`.
/// Bounds (the bridge assumes worker dispatch + gap stays under 100 ms; with the default maximum dispatch
/// they stay below 80 ms together, and `--chaos-max-dispatch-ms` above 60 breaks that assumption):
/// * dispatch: 0...`maxDispatchMilliseconds` (default 40) ms;
/// * gap between queued tasks: 0...40 ms;
/// * reset duration: 0...300 ms;
/// * token interval: the configured one times 0.5...1.5;
/// * poll jitter: 0...15 ms per poll (or 0...`--poll-jitter-ms` if that is larger);
/// * stop latency: 0...2 more tokens after `/api/stop` before the generation ends.
struct ChaosSchedule: Sendable, Equatable {
    static let maxGapMilliseconds = 40.0
    static let maxResetMilliseconds = 300.0
    static let tokenIntervalSpread = 0.5
    static let maxPollJitterMilliseconds = 15.0
    static let maxStopLatencyTokens = 2

    let seed: UInt64
    let maxDispatchMilliseconds: Double

    /// The timing of the `task`-th accepted task (numbered from 1 since start-up).
    func timing(forTask task: UInt64, base: EngineConfiguration) -> TaskTiming {
        var rng = generator("task", task)
        let dispatch = Self.unit(&rng) * max(0, maxDispatchMilliseconds)
        let gap = Self.unit(&rng) * Self.maxGapMilliseconds
        let reset = Self.unit(&rng) * Self.maxResetMilliseconds
        let factor = 1 - Self.tokenIntervalSpread + Self.unit(&rng) * 2 * Self.tokenIntervalSpread
        let interval = UInt64(Double(base.tokenIntervalNanoseconds) * factor)
        let stopLatency = rng.next(below: Self.maxStopLatencyTokens + 1)
        return TaskTiming(dispatchMilliseconds: dispatch, gapMilliseconds: gap, resetMilliseconds: reset,
                          tokenIntervalNanoseconds: interval, stopLatencyTokens: stopLatency)
    }

    /// The delay before the `poll`-th poll (numbered from 1) is answered, in [0, `bound`] ms.
    func pollJitterMilliseconds(forPoll poll: UInt64, bound: Double) -> Double {
        var rng = generator("poll", poll)
        return Self.unit(&rng) * max(0, bound)
    }

    private func generator(_ stream: String, _ index: UInt64) -> SplitMix64 {
        var hasher = StableHasher()
        hasher.combine(stream)
        hasher.combine(seed)
        hasher.combine(index)
        return SplitMix64(seed: hasher.value)
    }

    /// Uniform in [0, 1] with 53 bits.
    private static func unit(_ rng: inout SplitMix64) -> Double {
        Double(rng.next() >> 11) / Double((UInt64(1) << 53) - 1)
    }
}
