import Logging
import XCTest
@testable import RuntimeBridge

/// Idle-time preparation: after a Generate the runtime is reset to the default system prompt in
/// the background, so the next Generate posts no reset of its own; a Chat's conversation is kept;
/// a request arriving meanwhile waits for the reset to finish; a failed idle reset fails nobody.
final class IdlePreparationTests: XCTestCase {
    private static let system = "You are a test assistant."

    private func harness(_ configure: (WorkerModel) -> Void = { _ in }) async throws -> (Harness, WorkerModel) {
        var tuning = Harness.fastTuning
        tuning.quietPeriod = .milliseconds(150)
        tuning.prepareWhenIdle = true
        let harness = try await Harness.make(tuning: tuning)
        let model = WorkerModel()
        configure(model)
        harness.runtime.useWorker(model)
        return (harness, model)
    }

    private func paths(_ runtime: FakeRuntime) -> [String] {
        runtime.requests.map(\.path).filter { $0 != "/api/generate_provider" }
    }

    func testTheNextGenerateFindsTheRuntimePreparedAndPostsNoReset() async throws {
        let (harness, _) = try await harness()
        let first = await harness.run(Harness.generate("one"))
        XCTAssertEqual(first.text, "reply to one.")
        // The idle reset is posted once the slot is free; the next Generate comes after it.
        let idleReset = await harness.runtime.waitUntil { $0.filter { $0.path == "/api/reset" }.count == 2 }
        XCTAssertTrue(idleReset)
        let second = await harness.run(Harness.generate("two"))
        XCTAssertNil(second.error)
        XCTAssertEqual(second.text, "reply to two.")
        XCTAssertEqual(second.summary?.contextReused, false, "a prepared runtime is not a reused conversation")
        let calls = paths(harness.runtime)
        XCTAssertEqual(Array(calls.prefix(4)), ["/api/reset", "/api/generate", "/api/reset", "/api/generate"],
                       "no reset between the idle-time one and the Generate")
        XCTAssertEqual(harness.runtime.resetPrompts.prefix(2), [Self.system, Self.system])
        XCTAssertEqual(harness.runtime.withWorker { $0.maxOutstanding }, 1,
                       "the Generate waited for the idle reset to finish (never two tasks at once)")
    }

    func testAGenerateWithItsOwnSystemPromptStillResets() async throws {
        let (harness, _) = try await harness()
        _ = await harness.run(Harness.generate("one"))
        _ = await harness.runtime.waitUntil { $0.filter { $0.path == "/api/reset" }.count == 2 }
        let custom = await harness.run(Harness.generate("two", system: "Be brief."))
        XCTAssertEqual(custom.text, "reply to two.")
        XCTAssertEqual(Array(harness.runtime.resetPrompts.prefix(3)), [Self.system, Self.system, "Be brief."])
        XCTAssertEqual(harness.runtime.withWorker { $0.maxOutstanding }, 1)
    }

    func testAChatKeepsItsConversationForTheContinuation() async throws {
        let (harness, _) = try await harness()
        let first = await harness.run(Harness.chat([(.user, "hi")]))
        XCTAssertEqual(first.text, "reply to hi.")
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(harness.runtime.resetPrompts.count, 1, "no idle reset after a chat that ended by itself")
        let next = await harness.run(Harness.chat([(.user, "hi"), (.assistant, "reply to hi."), (.user, "more")]))
        XCTAssertEqual(next.text, "reply to more.")
        XCTAssertEqual(next.summary?.contextReused, true)
        XCTAssertEqual(harness.runtime.resetPrompts.count, 1)
    }

    func testAFailedIdleResetFailsNobody() async throws {
        var tuning = Harness.fastTuning
        tuning.prepareWhenIdle = true
        let harness = try await Harness.make(tuning: tuning)
        harness.runtime.setReply(FakeRuntime.Reply(chunks: ["<think>\n\n</think>\n\n", "Hello", " world"]))
        _ = await harness.run(Harness.generate("one"))
        // The next request the runtime sees is the idle reset (the turn posts nothing after its answer).
        harness.runtime.failNext(status: .internalServerError, body: "boom")
        _ = await harness.runtime.waitUntil { $0.filter { $0.path == "/api/reset" }.count == 2 }
        let second = await harness.run(Harness.generate("two"))
        XCTAssertNil(second.error)
        XCTAssertEqual(second.text, "Hello world")
        XCTAssertEqual(harness.runtime.resetPrompts.count, 3, "the failed idle reset led to the usual reset")
    }

    func testTheIdleResetIsAbandonedAtOnce() async throws {
        let runtime = FakeRuntime(group: Harness.group)
        try await runtime.start()
        let model = WorkerModel()
        model.resetPolls = 1_000_000  // a reset that never ends
        runtime.useWorker(model)
        var tuning = Harness.fastTuning
        tuning.prepareWhenIdle = true
        let session = RuntimeSession(host: FakeRuntimeHost(port: runtime.port), model: Harness.model(),
                                     tuning: tuning, group: Harness.group) { _ in }
        await session.prepareWhenIdle(logger: Logger(label: "idle-test"))
        let posted = await runtime.waitUntil { $0.contains { $0.path == "/api/reset" } }
        XCTAssertTrue(posted)
        let started = ContinuousClock.now
        await session.abandonPreparation()
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(500))
        let prepared = await session.prepared
        XCTAssertNil(prepared)
    }
}
