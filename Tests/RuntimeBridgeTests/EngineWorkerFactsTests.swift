import XCTest
@testable import RuntimeBridge

/// The engine end to end against `WorkerModel`, a poll-driven model of the vendor's worker: one
/// test per runtime fact (runtime-protocol.md, "The worker's concurrency"). Each of these failed
/// on the bridge before the turn state machine (it posted the generate right behind the reset,
/// took the `done` between the two tasks for the end, and left a lost stop unrepeated).
final class EngineWorkerFactsTests: XCTestCase {
    private func harness(_ configure: (WorkerModel) -> Void = { _ in }) async throws -> (Harness, WorkerModel) {
        // The model counts the worker's delays in polls; the quiet period must stay well above
        // them (the bridge's documented bound) even when polls are slow on a loaded machine.
        var tuning = Harness.fastTuning
        tuning.quietPeriod = .milliseconds(150)
        let harness = try await Harness.make(tuning: tuning)
        let model = WorkerModel()
        configure(model)
        harness.runtime.useWorker(model)
        return (harness, model)
    }

    /// Fact 1: the busy flag is set only when a task starts, so a generate posted right after a
    /// reset would be accepted and queued behind it.
    func testTheGenerateIsPostedOnlyAfterTheResetFinished() async throws {
        let (harness, _) = try await harness { $0.dispatchPolls = 4 }
        let outcome = await harness.run(Harness.generate("one"))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.text, "reply to one.")
        XCTAssertEqual(harness.runtime.withWorker { $0.maxOutstanding }, 1, "never two tasks at once")
    }

    /// Fact 2: `done: true` before a queued task starts and between two tasks is not the end.
    func testDoneInTheGapBetweenTasksDoesNotEndTheReply() async throws {
        let (harness, _) = try await harness {
            $0.dispatchPolls = 6
            $0.gapPolls = 6
            $0.resetPolls = 3
        }
        for prompt in ["a", "b", "c"] {
            let outcome = await harness.run(Harness.generate(prompt))
            XCTAssertEqual(outcome.text, "reply to \(prompt).", "each reply whole and its own")
            XCTAssertEqual(outcome.summary?.finishReason, .stop)
        }
    }

    /// Fact 3: text nobody polled comes out on the next poll, whoever polls.
    func testTextOfACancelledReplyNeverReachesTheNextCaller() async throws {
        let (harness, _) = try await harness { $0.body = { prompt in (1...30).map { " \(prompt)\($0)" } } }
        let first = harness.start(Harness.generate("first"))
        await first.expectDelta()
        first.cancel()
        let second = await harness.run(Harness.generate("second"))
        XCTAssertEqual(second.text, (1...30).map { " second\($0)" }.joined().dropFirst().description)
    }

    /// Fact 4: `Run()` clears the stop flag when it starts, so a stop sent while the generation
    /// waits for the worker is lost; it must be repeated until the run is seen to end.
    func testAStopLostBeforeTheRunStartsIsRepeated() async throws {
        // The worker's pick-up delay stays below the bridge's quiet period (the documented bound),
        // but is long enough for the first stop to be lost.
        let (harness, _) = try await harness {
            $0.dispatchPolls = 5
            $0.body = { prompt in prompt == "abandoned" ? (1...200).map { " w\($0)" } : [" reply", " to", " \(prompt)."] }
        }
        let first = harness.start(Harness.generate("abandoned"))
        let posted = await harness.runtime.waitUntil { $0.contains { $0.path == "/api/generate" } }
        XCTAssertTrue(posted)
        first.cancel()
        let second = await harness.run(Harness.generate("next"))
        XCTAssertEqual(second.text, "reply to next.")
        let abandoned = harness.runtime.withWorker { $0.finished.first { $0.prompt == "abandoned" } } ?? nil
        XCTAssertEqual(abandoned?.stopped, true, "the abandoned generation was stopped, not run to its end")
        XCTAssertLessThan(abandoned?.pushed ?? .max, 200)
    }

    /// Fact 5: any top-p key switches top-k off and any top-k key top-p: one filter per request.
    func testTopPAloneIsNotSwitchedOffByTheModelsTopK() async throws {
        let (harness, _) = try await harness()
        _ = await harness.run(Harness.generate("x", sampling: .init(temperature: 0.7, topP: 0.9)))
        let sampler = harness.runtime.withWorker { $0.sampling } ?? [:]
        XCTAssertEqual(sampler["top_p"] ?? 0, 0.9, accuracy: 1e-6)
        XCTAssertNil(sampler["top_k"], "top-p must stay in force")
        XCTAssertEqual(sampler["temperature"] ?? 0, 0.7, accuracy: 1e-6)
    }

    /// Fact 6: every reply starts with the think prefix, which is not part of the answer.
    func testTheThinkPrefixIsStrippedAndTheRestIsWhole() async throws {
        let (harness, _) = try await harness { $0.body = { _ in ["\n\n", "Hello", " there."] } }
        let outcome = await harness.run(Harness.generate("x"))
        XCTAssertEqual(outcome.text, "Hello there.")
    }
}
