import XCTest
@testable import RuntimeBridge

/// Queueing, positions, deadlines and cancellation, through the engine and the fake runtime.
final class SchedulerTests: XCTestCase {
    /// A harness whose replies hold after their first chunk for prompts starting with "hold".
    private func harness(capacity: Int = 16) async throws -> Harness {
        let harness = try await Harness.make(capacity: capacity)
        harness.runtime.setScript { prompt in
            prompt.hasPrefix("hold") ? .init(chunks: ["first", " rest"], holdAfter: 1) : .init(chunks: ["reply to \(prompt)"])
        }
        return harness
    }

    func testAFullQueueFailsAtOnceWithARetryEstimate() async throws {
        let harness = try await harness(capacity: 2)
        let running = harness.start(Harness.generate("hold"))
        await running.expectDelta()
        let second = harness.start(Harness.generate("b"))
        await second.expectQueued(position: 1)
        let third = harness.start(Harness.generate("c"))
        await third.expectQueued(position: 2)

        let rejected = await harness.run(Harness.generate("d"))
        guard case let .queueFull(capacity, retry) = rejected.error else {
            return XCTFail("\(String(describing: rejected.error))")
        }
        XCTAssertEqual(capacity, 2)
        XCTAssertGreaterThan(retry, 0)

        harness.runtime.release()
        let outcomes = [await running.outcome(), await second.outcome(), await third.outcome()]
        XCTAssertEqual(outcomes.map(\.error), [nil, nil, nil])
        XCTAssertFalse(harness.runtime.prompts.contains("d"))
    }

    func testRequestsRunInArrivalOrderAndHearTheirPositions() async throws {
        let harness = try await harness()
        let first = harness.start(Harness.generate("hold"))
        await first.expectDelta()
        var waiting: [StreamProbe] = []
        for (index, name) in ["b", "c", "d"].enumerated() {
            let probe = harness.start(Harness.generate(name))
            await probe.expectQueued(position: index + 1)
            waiting.append(probe)
        }
        harness.runtime.release()
        _ = await first.outcome()
        var outcomes: [StreamProbe.Outcome] = []
        for probe in waiting { outcomes.append(await probe.outcome()) }

        XCTAssertEqual(harness.runtime.prompts, ["hold", "b", "c", "d"])
        XCTAssertEqual(outcomes.map(\.text), ["reply to b", "reply to c", "reply to d"])
        XCTAssertEqual(outcomes[2].queued.map(\.position), [3, 2, 1], "d moved up as the others started")
        XCTAssertEqual(outcomes[0].queued.map(\.position), [1])
    }

    func testCancelledWhileQueuedLeavesAndOthersMoveUp() async throws {
        let harness = try await harness()
        let first = harness.start(Harness.generate("hold"))
        await first.expectDelta()
        let b = harness.start(Harness.generate("b"))
        await b.expectQueued(position: 1)
        let c = harness.start(Harness.generate("c"))
        await c.expectQueued(position: 2)

        b.cancel()
        await c.expectQueued(position: 1)
        let cancelled = await b.outcome()
        XCTAssertNil(cancelled.summary)
        XCTAssertTrue(cancelled.deltas.isEmpty)

        harness.runtime.release()
        _ = await first.outcome()
        let outcome = await c.outcome()
        XCTAssertEqual(outcome.text, "reply to c")
        XCTAssertEqual(harness.runtime.prompts, ["hold", "c"], "the cancelled request never reached the runtime")
        XCTAssertEqual(harness.runtime.stopCount, 0, "nothing running was stopped")
    }

    func testADeadlineThatPassesInTheQueue() async throws {
        let harness = try await harness()
        let first = harness.start(Harness.generate("hold"))
        await first.expectDelta()
        let late = await harness.run(Harness.generate("b", deadline: .now + .milliseconds(150)))
        guard case let .deadlineExceeded(message) = late.error else {
            return XCTFail("\(String(describing: late.error))")
        }
        XCTAssertTrue(message.contains("queue"), message)
        XCTAssertEqual(late.queued.map(\.position), [1])
        harness.runtime.release()
        _ = await first.outcome()
        XCTAssertEqual(harness.runtime.prompts, ["hold"])
    }

    func testCancellingARunningGenerationStopsTheRuntime() async throws {
        let harness = try await harness()
        let running = harness.start(Harness.generate("hold"))
        await running.expectDelta()
        let next = harness.start(Harness.chat([(.user, "next")]))
        await next.expectQueued(position: 1)

        running.cancel()
        let stopped = await harness.runtime.waitUntil { $0.contains { $0.path == "/api/stop" } }
        XCTAssertTrue(stopped, "/api/stop was sent")
        let outcome = await next.outcome()
        XCTAssertEqual(outcome.text, "reply to next")
        XCTAssertEqual(outcome.summary?.contextReused, false)
        XCTAssertEqual(harness.runtime.resetPrompts.count, 2, "the next request reset the stopped runtime")
    }

    func testADeadlineThatPassesWhileGeneratingStopsAndResetsBeforeTheNextRequest() async throws {
        let harness = try await harness()
        let first = await harness.run(Harness.chat([(.user, "hold")], deadline: .now + .milliseconds(300)))
        guard case let .deadlineExceeded(message) = first.error else {
            return XCTFail("\(String(describing: first.error))")
        }
        XCTAssertTrue(message.contains("generating"), message)
        XCTAssertEqual(first.text, "first", "what came before the deadline was relayed")
        // The caller hears at once; the stop follows while the slot is held, before the next turn.

        // Even a request that looks like a continuation resets: the stopped reply is not clean.
        let second = await harness.run(Harness.chat([(.user, "hold"), (.assistant, "first"), (.user, "again")]))
        XCTAssertNil(second.error)
        XCTAssertEqual(second.summary?.contextReused, false)
        XCTAssertEqual(harness.runtime.resetPrompts.count, 2)
        XCTAssertGreaterThanOrEqual(harness.runtime.stopCount, 1)
        let stopIndex = harness.runtime.requests.firstIndex { $0.path == "/api/stop" } ?? .max
        let secondReset = harness.runtime.requests.lastIndex { $0.path == "/api/reset" } ?? -1
        XCTAssertLessThan(stopIndex, secondReset, "the runtime was stopped before the next turn began")
    }

    func testARuntimeThatIgnoresStopIsRestarted() async throws {
        let harness = try await harness()
        harness.runtime.setReply(.init(chunks: ["stuck"], holdAfter: 1, ignoresStop: true))
        let probe = harness.start(Harness.generate("x"))
        await probe.expectDelta()
        probe.cancel()
        await harness.host.waitForRestarts(1)
        XCTAssertTrue(harness.host.reasons[0].contains("after /api/stop"), harness.host.reasons[0])
        var sawError = false
        for await status in harness.engine.statusUpdates() where status.lastError.contains("after /api/stop") {
            sawError = true
            break
        }
        XCTAssertTrue(sawError, "the status reports the hang")
    }
}
