import XCTest
@testable import RuntimeBridge

/// `PollPacer` against a scripted runtime on a virtual clock: chunks queued on a grid (every
/// 3 tokens), polls answered at the instant they are made (plus a fixed round trip). No sleeps.
final class PollPacerTests: XCTestCase {
    private let t0 = ContinuousClock.now
    private let settings = PollPacer.Settings(dense: .milliseconds(5))

    /// A runtime that accepted a generate at 0 and queues chunks at `chunks` (ms); it is busy until
    /// `end` (ms).
    private struct Script {
        var chunks: [Double]
        var end: Double
    }

    private struct Run {
        var polls: [Double] = []
        /// For each chunk: when a poll first returned it (ms).
        var seen: [Double] = []
        var endSeen: Double?
        var cadence = PollPacer.Cadence()

        func pollsBetween(_ from: Double, _ to: Double) -> Int { polls.filter { $0 > from && $0 <= to }.count }
    }

    private func at(_ ms: Double) -> ContinuousClock.Instant { t0 + .microseconds(Int64(ms * 1000)) }

    /// Drives the pacer through `script` as the state machine would (the run ends at the first
    /// poll that sees the runtime idle after the last chunk).
    private func drive(_ script: Script, cadence: PollPacer.Cadence = PollPacer.Cadence(), promptTokens: Int = 20,
                       roundTrip: Double = 0.3, settings: PollPacer.Settings? = nil) -> Run {
        var pacer = PollPacer(settings: settings ?? self.settings, cadence: cadence)
        pacer.generationAccepted(at: at(0), promptTokens: promptTokens)
        var run = Run()
        var now = 0.0
        var delivered = 0
        while now < script.end + 10_000 {
            // Sent at `sent`, drained by the runtime half way, answered a round trip later.
            let sent = now
            let drain = sent + roundTrip / 2
            now = sent + roundTrip
            run.polls.append(drain)
            var text = false
            while delivered < script.chunks.count, script.chunks[delivered] <= drain {
                run.seen.append(now)
                delivered += 1
                text = true
            }
            let running = drain < script.end
            let pause = pacer.polled(text: text, running: running, at: at(now), sentAt: at(sent))
            if !running, delivered == script.chunks.count {
                // The state machine tells the pacer about this poll too (and confirms the end).
                run.endSeen = now
                break
            }
            XCTAssertLessThanOrEqual(pause, settings?.maxGap ?? self.settings.maxGap)
            now += Double(pause.components.attoseconds) / 1e15 + Double(pause.components.seconds) * 1000
        }
        run.cadence = pacer.cadence
        return run
    }

    /// 4.5 tokens/s: a chunk every 3 tokens; prefill `prefill` ms then the first chunk after 3 tokens.
    private func hardware(chunks: Int, prefill: Double = 1350, tailTokens: Int = 0) -> Script {
        let token = 1000 / 4.5
        let times = (0..<chunks).map { prefill + token * 2 + Double($0) * token * 3 }
        let last = times.last ?? prefill
        // EOS is decoded one token after the last one; a partial group is flushed then.
        return Script(chunks: tailTokens > 0 ? times + [last + token * Double(tailTokens + 1)] : times,
                      end: last + token * Double(tailTokens + 1))
    }

    /// The cadence after two turns (the second locates the first chunk closely).
    private func learnt() -> PollPacer.Cadence {
        drive(hardware(chunks: 10), cadence: drive(hardware(chunks: 10)).cadence).cadence
    }

    private func latencies(_ run: Run, _ script: Script) -> [Double] {
        zip(run.seen, script.chunks).map { $0 - $1 }
    }

    func testUnknownCadencePollsAsBefore() {
        var pacer = PollPacer(settings: settings)
        pacer.generationAccepted(at: at(0), promptTokens: 10)
        XCTAssertEqual(pacer.polled(text: false, running: false, at: at(1)), .milliseconds(5), "not running yet: dense")
        XCTAssertEqual(pacer.polled(text: true, running: true, at: at(7)), .zero, "after text: at once, as before")
        XCTAssertEqual(pacer.polled(text: false, running: true, at: at(8)), .milliseconds(5))
    }

    func testASteadyCadenceIsLearntAndCostsAtMostFivePollsPerChunk() {
        let script = hardware(chunks: 30)
        let run = drive(script)
        XCTAssertEqual(run.seen.count, 30)
        // From the fourth chunk on the grid is known.
        let from = script.chunks[3], to = script.chunks[29]
        let perChunk = Double(run.pollsBetween(from, to)) / 26
        XCTAssertLessThanOrEqual(perChunk, 5, "polls per chunk once the cadence is known")
        let late = latencies(run, script).dropFirst(4)
        XCTAssertLessThanOrEqual(late.max() ?? 0, 10, "each chunk seen within 10 ms: \(Array(late))")
        XCTAssertEqual(run.cadence.chunkInterval.map { $0.milliseconds } ?? 0, 666.7, accuracy: 5)
    }

    func testARememberedCadencePacesTheNextTurnFromItsStart() {
        // 20 chunks: a reply of 60 tokens (the prefill's polls count too).
        let script = hardware(chunks: 20)
        let run = drive(script, cadence: learnt())
        let perChunk = Double(run.polls.count) / 20
        XCTAssertLessThanOrEqual(perChunk, 5, "prefill included: \(run.polls.count) polls")
        let late = latencies(run, script)
        XCTAssertLessThanOrEqual(late.max() ?? 0, 10, "\(late)")
    }

    func testAnEndBetweenTwoChunksIsSeenWithinAFewMilliseconds() {
        for tail in [0, 1, 2] {
            let script = hardware(chunks: 8, tailTokens: tail)
            let run = drive(script, cadence: learnt())
            let endLatency = (run.endSeen ?? .infinity) - script.end
            // No tokens left: nothing is flushed, only `done` changes; the next probe sees it.
            XCTAssertLessThanOrEqual(endLatency, tail == 0 ? 1000 / 4.5 + 10 : 10, "tail of \(tail) tokens")
            XCTAssertLessThanOrEqual(latencies(run, script).max() ?? 0, 10, "tail of \(tail) tokens")
            XCTAssertNotNil(run.cadence.chunkInterval, "the tail between two chunks keeps the cadence")
        }
    }

    func testChunksFasterThanEightDensePollsArePolledDenselyThroughTheirJitter() {
        // 200 tokens/s: a chunk every 15 ms, each one up to 9 ms off its grid point (a loaded
        // host's timers); pacing would save a poll per chunk and lose whole chunks to the jitter.
        let jitter: [Double] = [0, 6, -4, 9, 2, -3, 8, 0, 5, -2]
        let times = (0..<60).map { 100 + Double($0) * 15 + jitter[$0 % jitter.count] }
        let script = Script(chunks: times, end: (times.last ?? 0) + 5)
        let first = drive(script)
        let run = drive(script, cadence: first.cadence)
        let late = latencies(run, script)
        XCTAssertLessThanOrEqual(late.max() ?? 0, 5 + 0.3 + 0.01, "every chunk within one dense pause: \(late)")
    }

    func testAnEmptyChunkDoesNotLoseTheGrid() {
        let base = hardware(chunks: 20)
        var script = base
        script.chunks.remove(at: 10)  // "" (incomplete UTF-8): nothing to see
        let run = drive(script, cadence: learnt())
        XCTAssertLessThanOrEqual(latencies(run, script).max() ?? 0, 10)
        // The missing chunk costs a window and its slack of dense polls; the prefill counts too.
        XCTAssertLessThanOrEqual(Double(run.polls.count) / 19, 6)
    }

    func testARateChangeFallsBackToDensePollingAndRelearns() {
        // Remembered 4.5 tokens/s; this run decodes at 6 tokens/s.
        let learnt = drive(hardware(chunks: 10)).cadence
        let token = 1000 / 6.0
        let chunks = (0..<20).map { 1350 + token * 2 + Double($0) * token * 3 }
        let script = Script(chunks: chunks, end: (chunks.last ?? 0) + token)
        let run = drive(script, cadence: learnt)
        XCTAssertEqual(run.seen.count, 20)
        XCTAssertEqual(run.cadence.chunkInterval.map { $0.milliseconds } ?? 0, 500, accuracy: 5)
        XCTAssertLessThanOrEqual(latencies(run, script).suffix(10).max() ?? 0, 10, "relearnt")
    }

    func testJitterAndSlowPollsStayWithinBounds() {
        // Chunks off the grid by up to +-4 ms, a 3 ms round trip.
        var script = hardware(chunks: 30)
        script.chunks = script.chunks.enumerated().map { $0.element + Double(($0.offset * 7) % 9) - 4 }
        let run = drive(script, roundTrip: 3)
        XCTAssertEqual(run.seen.count, 30)
        let late = latencies(run, script).dropFirst(4).sorted()
        XCTAssertLessThanOrEqual(late[late.count / 2], 10, "median")
        XCTAssertLessThanOrEqual(late.last ?? 0, 25)
        XCTAssertLessThanOrEqual(Double(run.pollsBetween(script.chunks[4], script.chunks[29])) / 25, 5)
    }

    func testASlowRoundTripDoesNotMislocateTheGrid() {
        // Under load a poll's answer may take 25 ms: a chunk can be queued while the previous
        // poll's answer travels, before that answer arrives.
        let script = hardware(chunks: 30)
        let run = drive(script, cadence: learnt(), roundTrip: 25)
        XCTAssertEqual(run.seen.count, 30)
        let late = latencies(run, script)
        // Each chunk is located only within a poll's round trip, so windows are that wide.
        XCTAssertLessThanOrEqual(late.max() ?? 0, 2 * 25, "\(late)")
        XCTAssertLessThanOrEqual(Double(run.polls.count) / 30, 5)
    }

    /// A reply of 3 tokens after the 4-token think prefix, as figure 3 of BENCHMARKS.md runs it
    /// (no prefill): the think block's chunk after 2 token steps, the first visible chunk after 5,
    /// and the last token flushed with EOS 2 steps later, when the runtime falls idle.
    private func shortReply(endsWithFlush: Bool) -> Script {
        let token = 1000 / 4.5
        let tail = token * 7
        // The vendor's runtime queues the tail just before its busy flag falls: a poll can take
        // it and still see it running.
        return Script(chunks: [token * 2, token * 5, tail], end: endsWithFlush ? tail : tail + 0.2)
    }

    func testAShortReplysLastFlushTeachesNoIntervalAndTheFirstVisibleChunkIsOnTime() {
        for endsWithFlush in [true, false] {
            var cadence = PollPacer.Cadence()
            for turn in 0..<6 {
                let script = shortReply(endsWithFlush: endsWithFlush)
                let run = drive(script, cadence: cadence)
                cadence = run.cadence
                XCTAssertEqual(run.seen.count, 3)
                guard turn >= 2 else { continue }
                let late = latencies(run, script)
                XCTAssertLessThanOrEqual(late[1], 10, "turn \(turn), flush with the end \(endsWithFlush): \(late)")
                // The tail is probed for two thirds of an interval on: the first turns' estimate
                // (from the first chunk, seen loosely) puts it a few milliseconds off.
                XCTAssertLessThanOrEqual(late[2], turn >= 3 ? 10 : 25,
                                         "turn \(turn), flush with the end \(endsWithFlush): \(late)")
            }
            // Learnt from the two chunks of each turn, never from the tail two tokens later.
            XCTAssertEqual(cadence.chunkInterval.map { $0.milliseconds } ?? 0, 666.7, accuracy: 5,
                           "flush with the end \(endsWithFlush)")
        }
    }

    func testAChunkThatSlipsIsWaitedForAndTheGridMovesWithIt() {
        // A loaded host: from the 8th chunk on the runtime's steps are 40 ms late (past the
        // window's slack), and the grid stays there.
        let base = hardware(chunks: 20)
        var script = base
        script.chunks = base.chunks.enumerated().map { $0.offset >= 8 ? $0.element + 40 : $0.element }
        script.end += 40
        let cadence = learnt()
        let run = drive(script, cadence: cadence)
        XCTAssertEqual(run.seen.count, 20)
        let late = latencies(run, script)
        XCTAssertLessThanOrEqual(late[8], 40 / 2 + 10, "the slipped chunk is watched for: \(late)")
        XCTAssertLessThanOrEqual(late.suffix(10).max() ?? 0, 10, "the moved grid: \(late)")
        // Relearning the interval would cost dozens of polls; the watch costs a few.
        let steady = drive(base, cadence: cadence).polls.count
        XCTAssertLessThanOrEqual(run.polls.count, steady + 6, "no relearning (\(steady) polls without the slip)")
        XCTAssertEqual(run.cadence.chunkInterval.map { $0.milliseconds } ?? 0, 666.7, accuracy: 5)
    }

    func testTheFirstTurnLearnsTheIntervalFromItsFirstTwoChunks() {
        // Figure 8's replies: 1350 ms of prefill, 11 chunks and a tail of one token. The first
        // chunk is located only loosely (the prefill is polled sparsely), yet with the second it
        // gives the interval: the third is already waited for on the grid.
        let script = hardware(chunks: 11, tailTokens: 1)
        let first = drive(script)
        XCTAssertEqual(first.seen.count, 12)
        XCTAssertLessThanOrEqual(latencies(first, script).dropFirst().max() ?? 0, 20, "\(latencies(first, script))")
        // Before: ~200 polls, dense polls from the first chunk to the third.
        XCTAssertLessThanOrEqual(first.polls.count, 150)
        XCTAssertEqual(first.cadence.chunkInterval.map { $0.milliseconds } ?? 0, 666.7, accuracy: 5)
        // Then: the tick probe and the window per chunk (no pause shorter than needed for
        // `maxGap`): at most 4 polls per chunk, prefill and end included.
        let second = drive(script, cadence: first.cadence)
        XCTAssertLessThanOrEqual(Double(second.polls.count) / 12, 4, "\(second.polls.count) polls")
        XCTAssertLessThanOrEqual(latencies(second, script).max() ?? 0, 10)
    }

    func testPollsPerSecondStayUnderTheCeiling() {
        // A runtime with a chunk on every poll (faster than any pacing): the bucket caps the rate.
        var pacer = PollPacer(settings: PollPacer.Settings(dense: .milliseconds(1), maxPollsPerSecond: 100,
                                                           burst: 10))
        pacer.generationAccepted(at: at(0), promptTokens: 1)
        var now = 0.0
        var polls = 0
        while now < 2000 {
            let pause = pacer.polled(text: true, running: true, at: at(now))
            polls += 1
            now += max(0.1, pause.milliseconds)
        }
        XCTAssertLessThanOrEqual(polls, 2 * 100 + 10 + 1)
    }

    func testAnUnknownPrefillIsPolledMoreSparselyTheLongerItTakes() {
        var pacer = PollPacer(settings: settings)
        pacer.generationAccepted(at: at(0), promptTokens: 10)
        XCTAssertEqual(pacer.polled(text: false, running: true, at: at(8)), .milliseconds(5))
        XCTAssertEqual(pacer.polled(text: false, running: true, at: at(200)), .milliseconds(25))
        XCTAssertEqual(pacer.polled(text: false, running: true, at: at(1000)), .milliseconds(40), "capped")
    }
}
