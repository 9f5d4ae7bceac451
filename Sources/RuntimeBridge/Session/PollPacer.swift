/// When to poll `generate_provider` next while a generation runs. Pure: it takes each poll's
/// answer with its time and returns the pause before the next poll; `RuntimeTurnStateMachine`
/// owns it and uses it only in the generating state (every other state polls at `dense`).
///
/// Why: the runtime queues text every 3 tokens (about 0.67 s apart at 4.5 tokens/s), so polling
/// every few milliseconds costs the runtime's own process ~200 HTTP requests per chunk. Chunks
/// come on a steady grid, so the pacer learns it: the chunk interval (measured over the turn's
/// longest baseline, each chunk with the error it was seen with, combined with what earlier turns
/// measured) and, per prompt size, the delay to the first chunk (the prefill), both kept across
/// turns in `Cadence`. Between two chunks it polls:
///
/// * once just after the token tick two thirds of the way (a reply whose last group holds one
///   token flushes it there and falls idle: a single poll sees it; a reply that ends right after
///   a full chunk flushes nothing and is seen ending there too),
/// * shortly before the next chunk is due and then every `dense` until it arrives (the last
///   chunk, seen between two polls `dense` apart, anchors the grid: usually two polls),
/// * if it does not come within `slack` after the latest time it was due, it is most often late
///   (the runtime's steps slip on a loaded host, and its grid moves with them): it is watched for
///   an eighth of an interval with pauses of half its lateness, and one that comes then re-anchors
///   the grid without unlearning it; after that it was an empty chunk (incomplete UTF-8) or the
///   grid moved: the next grid point is watched, and the end probes catch a reply that ended.
///
/// The reply's last chunk is off the grid: the runtime flushes its last one or two tokens when
/// it decodes EOS and then falls idle. So a chunk is learnt from only once the next poll is back:
/// one that comes with the end, or that the next poll (sent at once) finds followed by the end,
/// teaches nothing. (Learnt from, such a tail two tokens after a chunk taught a short reply's
/// turns an interval of two tokens, and their first visible chunk was polled for ~150 ms late.)
///
/// Learning: the first chunk comes after a prefill polled sparsely, so it is located loosely;
/// with the second (located closely) it still gives the interval, with a wide error, and the
/// third is waited for in a grid window that wide (polls at a third of its remaining width), which
/// locates it closely: a first turn pays dense polls for one interval only, not two.
///
/// Safety nets: with the cadence unknown (first turn, or after a chunk off the predicted grid:
/// already there at the window's first poll, or beyond its lateness; which forgets it) it polls
/// at once after text and then with pauses growing from `dense` to `4 * dense`; a window still
/// wide is narrowed by polls at a third of its remaining width (never sparser than `dense` inside
/// it); no pause exceeds `maxGap`; and a token bucket caps polls per second.
struct PollPacer: Sendable {
    typealias Instant = ContinuousClock.Instant

    struct Settings: Sendable, Equatable {
        /// Spacing where the next chunk may come any moment (and where nothing is known).
        var dense: Duration
        /// Chunks closer together than this are polled densely, not paced: pacing would save a
        /// poll or two per chunk while a host's timer jitter is a large share of the interval.
        var pacedFrom: Duration { dense * 8 }
        /// The longest pause; a surprise (an early end, a stalled grid) is seen within it. Longer
        /// than the two thirds of an interval from a chunk to its tick probe at 4.5 tokens/s (444
        /// ms): shorter, it would add a poll to every chunk.
        var maxGap: Duration
        /// Longest pause while waiting for the first chunk of a prefill whose length is unknown;
        /// the pause grows with the time waited up to this.
        var maxPrefillGap: Duration
        /// Hard ceiling on polls per second (with `burst` polls of headroom).
        var maxPollsPerSecond: Double
        var burst: Double

        init(dense: Duration, maxGap: Duration = .milliseconds(500), maxPrefillGap: Duration = .milliseconds(40),
             maxPollsPerSecond: Double = 250, burst: Double = 25) {
            self.dense = dense
            self.maxGap = maxGap
            self.maxPrefillGap = maxPrefillGap
            self.maxPollsPerSecond = maxPollsPerSecond
            self.burst = burst
        }
    }

    /// What the runtime's timing was seen to be; the session keeps it across turns.
    struct Cadence: Sendable, Equatable {
        /// Time between two chunks of text (3 tokens), and how far off it may be.
        var chunkInterval: Duration?
        var intervalError: Duration = .zero
        /// From the generate being accepted to the first chunk, by prefill chunks of the prompt
        /// (128 tokens each): the earliest it can have come, and how uncertain that is.
        var firstChunk: [Int: Window] = [:]

        init(chunkInterval: Duration? = nil) {
            self.chunkInterval = chunkInterval
        }
    }

    /// A span of time relative to some start: `lower` < t <= `lower + width`.
    struct Window: Sendable, Equatable {
        var lower: Duration
        var width: Duration
    }

    /// When something happened: after `lower`, at or before `upper`.
    struct Bounds: Sendable, Equatable {
        var lower: Instant
        var upper: Instant

        var width: Duration { upper - lower }
        var middle: Instant { lower + (upper - lower) / 2 }

        func intersection(_ other: Bounds) -> Bounds? {
            let result = Bounds(lower: max(lower, other.lower), upper: min(upper, other.upper))
            return result.lower < result.upper ? result : nil
        }

        func widened(by margin: Duration) -> Bounds {
            Bounds(lower: lower - margin, upper: upper + margin)
        }

        func shifted(by offset: Duration) -> Bounds {
            Bounds(lower: lower + offset, upper: upper + offset)
        }
    }

    let settings: Settings
    /// What pacing uses now.
    private var current: Cadence
    /// The interval given up after a chunk off the grid, handed on if no new one was learnt.
    private var fallback: (interval: Duration, error: Duration)?

    /// The runtime's timing as learnt by now, for the next turn.
    var cadence: Cadence {
        var learnt = current
        if learnt.chunkInterval == nil, let fallback {
            learnt.chunkInterval = fallback.interval
            learnt.intervalError = fallback.error
        }
        return learnt
    }
    private var acceptedAt: Instant?
    private var promptChunks = 1
    /// When the last poll was sent: the runtime drained its queue after that, so a chunk the
    /// next poll brings was queued later (its answer's arrival is no bound: under load the
    /// round trip is long, and the chunk may have been queued while the answer travelled).
    private var lastPollSentAt: Instant?
    /// When the last chunk was queued in the runtime, as narrowly as known (the grid's anchor).
    private var lastChunk: Bounds?
    /// The same as seen by the polls alone: the interval is learnt from these, so that a wrong
    /// prediction cannot confirm itself through the narrowing.
    private var lastSeen: Bounds?
    /// Grid steps from the turn's first chunk to `lastSeen`, and the first chunk seen closely
    /// (the baseline the interval is measured over).
    private var seenIndex = 0
    private var baseline: (bounds: Bounds, index: Int)?
    /// The interval as remembered from earlier turns, combined with this turn's measurement.
    private var remembered: (interval: Duration, error: Duration)?
    /// The newest chunk, as the polls saw it: the grid's anchor for planning.
    private var newestChunk: Bounds?
    /// The newest chunk, not learnt from yet: the next poll shows whether it was a chunk of the
    /// grid or the reply's last flush.
    private var unconfirmed: Bounds?
    private var bucket: Double
    private var bucketAt: Instant?

    init(settings: Settings, cadence: Cadence = Cadence()) {
        self.settings = settings
        self.current = cadence
        self.bucket = settings.burst
        if let interval = current.chunkInterval {
            remembered = (interval, max(current.intervalError, .microseconds(500)))
        }
    }

    /// The generate was accepted; `promptTokens` (estimated) sizes the prefill.
    mutating func generationAccepted(at now: Instant, promptTokens: Int) {
        acceptedAt = now
        lastPollSentAt = now
        promptChunks = max(1, (promptTokens + 127) / 128)
    }

    /// A poll's answer during the generation, arrived at `now` for a poll sent at `sentAt`
    /// (nil: at `now`); returns the pause before the next poll.
    mutating func polled(text: Bool, running: Bool, at now: Instant, sentAt: Instant? = nil) -> Duration {
        let previous = lastPollSentAt ?? acceptedAt ?? now
        lastPollSentAt = min(sentAt ?? now, now)
        take(at: now)
        if let chunk = unconfirmed {
            // The run ended right after it (this poll came at once, as while learning): it was
            // the reply's last flush. Seen ending much later, it was a chunk of the grid.
            if running || now - chunk.upper > precise { observeChunk(chunk) }
            unconfirmed = nil
        }
        if text {
            let seen = Bounds(lower: min(previous, now), upper: now)
            newestChunk = seen
            if running { unconfirmed = seen }
        }
        return limited(plan(text: text, running: running, at: now), at: now)
    }

    // MARK: - Learning

    private mutating func observeChunk(_ seen: Bounds) {
        let previousSeen = lastSeen
        lastSeen = seen
        guard let last = lastChunk, let previousSeen else {
            lastChunk = seen
            seenIndex = 0
            baseline = (seen, 0)
            if let acceptedAt { learnFirstChunk(seen, acceptedAt: acceptedAt) }
            return
        }
        let anchor = seen
        var steps = 1
        if let interval = current.chunkInterval, interval >= settings.pacedFrom {
            // Where the grid says it was due (this chunk or, after empty ones, a later one).
            steps = max(1, Int(((seen.middle - previousSeen.middle) / interval).rounded()))
            let due = last.shifted(by: interval * steps)
            let tolerance = slack(interval) + current.intervalError * steps
            // Already there at the window's first poll: it came early by an unknown amount (the
            // grid is off; narrowing against it would only pull the anchor late).
            let opened = due.widened(by: current.intervalError * steps).lower - guardTime - .microseconds(500)
            let early = seen.lower < opened
            // Late by a little more than the slack: the runtime's steps slipped (a loaded host),
            // and the grid moved with them; it goes on from this chunk.
            let slipped = seen.lower > due.upper + tolerance && seen.lower <= due.upper + lateness(interval)
            // The anchor is what the polls saw, never narrowed by the prediction: a slightly
            // wrong interval would otherwise pull it later chunk by chunk.
            if early || (!slipped && seen.intersection(due.widened(by: tolerance)) == nil) {
                // Off the grid (early, the rate changed, the runtime stalled, or the reply's end
                // flushed its last tokens between two chunks): stop trusting it and learn it
                // again from this chunk on; until then the next turn still gets the old one.
                fallback = (interval, current.intervalError)
                current.chunkInterval = nil
                remembered = nil
                lastChunk = seen
                seenIndex = 0
                baseline = (seen, 0)
                return
            }
        }
        seenIndex += steps
        lastChunk = anchor
        guard let baseline, seenIndex > baseline.index else {
            baseline = (seen, seenIndex)
            return
        }
        // The longest baseline this turn: its error shrinks with every chunk. A loosely located
        // chunk (the first one, after a prefill's sparse polls) still teaches the interval, with
        // an error as wide as it was seen: the grid's windows then locate the next chunks closely.
        let steps2 = seenIndex - baseline.index
        let measured = (interval: (seen.middle - baseline.bounds.middle) / steps2,
                        error: (seen.width + baseline.bounds.width) / 2 / steps2)
        let (interval, error) = Self.combined(remembered, measured)
        (current.chunkInterval, current.intervalError) = (interval, error)
        if baseline.bounds.width > precise, seen.width <= precise {
            // A closely seen chunk makes a better baseline; what the loose one taught is kept.
            remembered = (interval, error)
            self.baseline = (seen, seenIndex)
        }
    }

    /// Two estimates weighted by the inverse square of their errors.
    private static func combined(_ a: (interval: Duration, error: Duration)?,
                                 _ b: (interval: Duration, error: Duration)) -> (Duration, Duration) {
        guard let a else { return (b.interval, b.error) }
        let wa = 1 / max(1e-9, a.error.inSeconds * a.error.inSeconds)
        let wb = 1 / max(1e-9, b.error.inSeconds * b.error.inSeconds)
        let interval = (a.interval.inSeconds * wa + b.interval.inSeconds * wb) / (wa + wb)
        let error = 1 / (wa + wb).squareRoot()
        return (.nanoseconds(Int64(interval * 1e9)), .nanoseconds(Int64(error * 1e9)))
    }

    private mutating func learnFirstChunk(_ seen: Bounds, acceptedAt: Instant) {
        let window = Window(lower: max(.zero, seen.lower - acceptedAt), width: seen.width)
        if let known = current.firstChunk[promptChunks], known.width < window.width, window.width > precise {
            return  // a vaguer observation does not replace a precise one
        }
        current.firstChunk[promptChunks] = window
        // A handful of prompt sizes is all a session sees; keep the memory small.
        if current.firstChunk.count > 8, let largest = current.firstChunk.keys.max(), largest != promptChunks {
            current.firstChunk[largest] = nil
        }
    }

    // MARK: - Planning

    private func plan(text: Bool, running: Bool, at now: Instant) -> Duration {
        guard let last = newestChunk else { return beforeFirstChunk(running: running, at: now) }
        if let interval = current.chunkInterval, interval < settings.pacedFrom {
            // Chunks a few dense pauses apart (a fast runtime): pacing would save a poll per
            // chunk at most, while a host's timer jitter is a large share of the interval and
            // would make chunks miss their windows. Polled as before pacing.
            return text ? .zero : settings.dense
        }
        guard let interval = current.chunkInterval else {
            // Nothing learnt yet: at once after text (as
            // before pacing), then pauses that grow with the time since the chunk up to what
            // still locates the next one closely enough to learn the interval from.
            if text { return .zero }
            let since = now - last.upper
            // After a miss the old interval still says roughly when: skip most of it (70 %
            // allows a rate up to 40 % faster).
            if let hint = fallback?.interval, since < hint * 7 / 10 { return hint * 7 / 10 - since }
            return clamp(since / 8, settings.dense, settings.dense * 4)
        }
        return betweenChunks(last: last, interval: interval, at: now)
    }

    private func beforeFirstChunk(running: Bool, at now: Instant) -> Duration {
        guard let acceptedAt else { return settings.dense }
        if let known = current.firstChunk[promptChunks] {
            let due = Bounds(lower: acceptedAt + known.lower, upper: acceptedAt + known.lower + known.width)
            if now < due.upper + slack(nil) { return inWindow(due, at: now) }
        }
        // Unknown prefill (or later than ever seen): dense until it runs, then pauses that grow
        // with the time waited, so the first chunk is late by at most an eighth of the wait.
        guard running else { return settings.dense }
        return clamp((now - acceptedAt) / 8, settings.dense, settings.maxPrefillGap)
    }

    /// The next poll between chunks: the grid window the current time belongs to, its two end
    /// probes before it, or the window itself.
    private func betweenChunks(last: Bounds, interval: Duration, at now: Instant) -> Duration {
        let slack = self.slack(interval)
        // The first grid point whose window has not closed yet.
        var step = 1
        while now >= last.upper + interval * step + slack, step < 64 { step += 1 }
        if step > 1 {
            // The chunk due at the last grid point did not come: most often it is late (the
            // runtime's steps slip on a loaded host), so it is watched with pauses of half its
            // lateness for a while before it counts as empty.
            let missed = last.upper + interval * (step - 1) + current.intervalError * (step - 1)
            let watchEnd = missed + lateness(interval)
            if now < watchEnd { return min(max(settings.dense, (now - missed) / 2), watchEnd - now) }
        }
        let due = last.shifted(by: interval * step).widened(by: current.intervalError * step)
        let open = due.lower - guardTime
        if now >= open { return inWindow(due, at: now) }
        // The token tick two thirds of the way: where a reply whose last group holds one token
        // flushes it. (One that ends after a full chunk flushes nothing a third of the way: only
        // `done` changes, which this probe sees too, a third of a chunk later; a probe there
        // would cost a poll per chunk for no text.)
        let previous = last.upper + interval * (step - 1)
        let tick = previous + interval * 2 / 3 + guardTime
        return (tick > now ? min(open, tick) : open) - now
    }

    /// Inside the span where a chunk is due: polls at a third of the remaining width, never
    /// sparser than `dense`; after its end, every `dense`.
    private func inWindow(_ due: Bounds, at now: Instant) -> Duration {
        if now < due.lower - guardTime { return due.lower - guardTime - now }
        if now >= due.upper { return settings.dense }
        return max(settings.dense, (due.upper - now) / 3)
    }

    /// How late a chunk may be before it counts as not coming (an empty chunk, a moved grid).
    private func slack(_ interval: Duration?) -> Duration {
        max(settings.dense * 4, (interval ?? .zero) / 32)
    }

    /// How late after its window a chunk still counts as on the grid (the runtime's steps
    /// slipped), and how long a missing chunk is watched for.
    private func lateness(_ interval: Duration) -> Duration {
        max(slack(interval) * 2, interval / 8)
    }

    /// A chunk located this closely (a learning pause of `4 * dense` plus a slow poll's round
    /// trip) makes a good baseline; and a poll answered this soon after a chunk was sent at once.
    private var precise: Duration { settings.dense * 6 }

    /// How early, before the earliest time a chunk is due, the window opens.
    private var guardTime: Duration { settings.dense / 2 }

    // MARK: - Ceiling

    private mutating func take(at now: Instant) {
        refill(at: now)
        bucket -= 1
    }

    private mutating func refill(at now: Instant) {
        if let bucketAt, now > bucketAt {
            bucket = min(settings.burst, bucket + (now - bucketAt).inSeconds * settings.maxPollsPerSecond)
        }
        bucketAt = now
    }

    /// The pause, capped at `maxGap` and stretched so the bucket holds a poll when it ends.
    private func limited(_ pause: Duration, at now: Instant) -> Duration {
        var pause = min(max(pause, .zero), settings.maxGap)
        let deficit = 1 - bucket
        if deficit > 0, settings.maxPollsPerSecond > 0 {
            pause = max(pause, .nanoseconds(Int64(deficit / settings.maxPollsPerSecond * 1e9)))
        }
        return pause
    }

    private func clamp(_ value: Duration, _ low: Duration, _ high: Duration) -> Duration {
        min(max(value, low), high)
    }
}

extension Duration {
    /// Seconds as a floating-point number.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
