import NIOConcurrencyHelpers
import RuntimeBridge
import XCTest

@testable import AXRPCFrontEnd

/// Drain ends the generations still queued and lets the running one finish; the caller sees the
/// bridge's updates unchanged and in order, before and after the relay hands the stream over.
final class DrainingEngineTests: XCTestCase {
    /// An engine whose generations the test drives by hand.
    private final class HandDrivenEngine: InferenceEngine, Sendable {
        private let streams = NIOLockedValueBox<[AsyncThrowingStream<GenerationUpdate, any Error>.Continuation]>([])
        private let cancelled = NIOLockedValueBox(0)
        private let queueDepth: Int

        init(queueDepth: Int) { self.queueDepth = queueDepth }

        var continuations: [AsyncThrowingStream<GenerationUpdate, any Error>.Continuation] {
            streams.withLockedValue { $0 }
        }
        var cancellations: Int { cancelled.withLockedValue { $0 } }

        func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
            let (stream, continuation) = AsyncThrowingStream<GenerationUpdate, any Error>.makeStream()
            continuation.onTermination = { [cancelled] termination in
                if case .cancelled = termination { cancelled.withLockedValue { $0 += 1 } }
            }
            streams.withLockedValue { $0.append(continuation) }
            return stream
        }

        func status() async -> RuntimeStatus {
            RuntimeStatus(phase: .busy, model: "m", queueDepth: queueDepth, queueCapacity: 4)
        }
        func statusUpdates() -> AsyncStream<RuntimeStatus> { AsyncStream { $0.finish() } }
        func models() async -> [ModelDescriptor] { [] }
    }

    private let request = GenerationRequest(job: .generate(prompt: "p", system: nil))

    func testUpdatesPassUnchangedAcrossTheHandOver() async throws {
        let base = HandDrivenEngine(queueDepth: 0)
        let engine = DrainingEngine(base: base)
        var updates = engine.generate(request).makeAsyncIterator()
        let bridge = try XCTUnwrap(base.continuations.first)
        bridge.yield(.queued(position: 1, depth: 1))
        bridge.yield(.delta("a"))
        bridge.yield(.delta("b"))
        bridge.yield(.delta("c"))
        bridge.finish()
        var seen: [GenerationUpdate] = []
        while let update = try await updates.next() { seen.append(update) }
        XCTAssertEqual(seen, [.queued(position: 1, depth: 1), .delta("a"), .delta("b"), .delta("c")])
    }

    func testDrainEndsTheQueuedGenerationAndLetsTheRunningOneFinish() async throws {
        let base = HandDrivenEngine(queueDepth: 1)
        let engine = DrainingEngine(base: base)
        var running = engine.generate(request).makeAsyncIterator()
        var queued = engine.generate(request).makeAsyncIterator()
        let (runningBridge, queuedBridge) = (base.continuations[0], base.continuations[1])
        runningBridge.yield(.delta("a"))
        queuedBridge.yield(.queued(position: 1, depth: 1))
        let first = try await running.next()
        XCTAssertEqual(first, .delta("a"))
        let position = try await queued.next()
        XCTAssertEqual(position, .queued(position: 1, depth: 1))

        let ended = await engine.drain()
        XCTAssertEqual(ended, 1)
        do {
            _ = try await queued.next()
            XCTFail("the queued generation must end")
        } catch let error as BridgeError {
            XCTAssertEqual(error, .unavailable(DrainingEngine.shutdownMessage))
        }
        runningBridge.yield(.delta("b"))
        runningBridge.finish()
        let rest = try await running.next()
        XCTAssertEqual(rest, .delta("b"))
        let end = try await running.next()
        XCTAssertNil(end)
    }

    func testACallerThatLeavesCancelsTheBridgesStreamAfterTheHandOver() async throws {
        let base = HandDrivenEngine(queueDepth: 0)
        let engine = DrainingEngine(base: base)
        let gotText = expectation(description: "the caller got its first text")
        let stream = engine.generate(request)
        let caller = Task {
            var updates = stream.makeAsyncIterator()
            _ = try await updates.next()
            gotText.fulfill()
            _ = try await updates.next()  // waits: the bridge sends nothing more
        }
        base.continuations[0].yield(.delta("a"))
        await fulfillment(of: [gotText], timeout: 5)
        caller.cancel()
        _ = await caller.result
        XCTAssertEqual(base.cancellations, 1, "the bridge hears the caller left")
    }
}
