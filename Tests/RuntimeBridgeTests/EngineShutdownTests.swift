import XCTest
@testable import RuntimeBridge

/// Draining and shutting the engine down: queued calls end UNAVAILABLE, new ones are refused,
/// and shutdown returns only after the running turn has stopped the runtime.
final class EngineShutdownTests: XCTestCase {
    private func harness() async throws -> Harness {
        let harness = try await Harness.make()
        harness.runtime.setScript { prompt in
            prompt.hasPrefix("hold") ? .init(chunks: ["first", " rest"], holdAfter: 1) : .init(chunks: ["reply to \(prompt)"])
        }
        return harness
    }

    func testDrainEndsQueuedCallsUnavailableAndLetsTheRunningOneFinish() async throws {
        let harness = try await harness()
        let running = harness.start(Harness.generate("hold"))
        await running.expectDelta()
        let queued = harness.start(Harness.generate("b"))
        await queued.expectQueued(position: 1)

        let drained = await harness.engine.drain()
        XCTAssertEqual(drained, 1)
        let refused = await harness.run(Harness.generate("c"))
        harness.runtime.release()
        let finished = await running.outcome()
        let ended = await queued.outcome()

        XCTAssertEqual(finished.text, "first rest")
        XCTAssertNotNil(finished.summary)
        guard case .unavailable = ended.error else { return XCTFail("queued: \(String(describing: ended.error))") }
        guard case .unavailable = refused.error else { return XCTFail("new: \(String(describing: refused.error))") }
        XCTAssertEqual(harness.runtime.prompts, ["hold"], "nothing queued reached the runtime")
    }

    func testShutdownStopsTheRunningTurnAndWaitsForIt() async throws {
        let harness = try await harness()
        let running = harness.start(Harness.generate("hold"))
        await running.expectDelta()

        await harness.engine.shutdown()

        XCTAssertGreaterThan(harness.runtime.stopCount, 0, "the runtime was told to stop before shutdown returned")
        let outcome = await running.outcome()
        XCTAssertNil(outcome.summary)
        let refused = await harness.run(Harness.generate("after"))
        guard case .unavailable = refused.error else { return XCTFail("\(String(describing: refused.error))") }
        XCTAssertEqual(harness.runtime.prompts, ["hold"])
    }

    func testShutdownWaitsForATurnStillSettlingAfterItsCallerLeft() async throws {
        let harness = try await harness()
        let running = harness.start(Harness.generate("hold"))
        await running.expectDelta()
        running.cancel()
        _ = await running.outcome()

        await harness.engine.shutdown()
        let requestsAtShutdown = harness.runtime.requests.count

        XCTAssertGreaterThan(harness.runtime.stopCount, 0)
        // Nothing of the engine talks to the runtime once shutdown has returned: a later request
        // would be one of a turn that outlived it.
        let refused = await harness.run(Harness.generate("after"))
        guard case .unavailable = refused.error else { return XCTFail("\(String(describing: refused.error))") }
        XCTAssertEqual(harness.runtime.requests.count, requestsAtShutdown)
    }
}
