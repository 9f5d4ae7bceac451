import XCTest
@testable import RuntimeBridge

/// The text path end to end against the fake runtime: what the client sees of each pitfall.
final class EngineGenerationTests: XCTestCase {
    func testAGenerationResetsGeneratesAndStreamsWithASummary() async throws {
        let harness = try await Harness.make()
        harness.runtime.setReply(.init(chunks: ["<think>\n", "\n</think>", "\n\nHel", "", "lo", " world"]))
        let outcome = await harness.run(Harness.generate("Say hello", sampling: .init(temperature: 0.2)))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.text, "Hello world")
        XCTAssertFalse(outcome.deltas.contains(""), "no empty deltas")
        XCTAssertTrue(outcome.queued.isEmpty, "an idle runtime starts at once")
        let summary = try XCTUnwrap(outcome.summary)
        XCTAssertEqual(summary.finishReason, .stop)
        XCTAssertTrue(summary.estimated)
        XCTAssertFalse(summary.contextReused)
        XCTAssertEqual(summary.model, Harness.modelName)
        XCTAssertEqual(summary.completionTokens, 2, "two pieces: \"Hello\", \" world\"")
        XCTAssertGreaterThan(summary.promptTokens, 0)
        XCTAssertGreaterThanOrEqual(summary.totalMilliseconds, summary.generationMilliseconds)
        XCTAssertGreaterThanOrEqual(summary.generationMilliseconds, summary.timeToFirstTokenMilliseconds)

        XCTAssertEqual(harness.runtime.resetPrompts, ["You are a test assistant."])
        let body = try XCTUnwrap(harness.runtime.generateRequests.last).json
        XCTAssertEqual(body["prompt"] as? String, "Say hello")
        XCTAssertEqual(body["temperature"] as? Double, 0.2, "the request's value")
        XCTAssertEqual(body["top-k"] as? Int, 1, "the model's default filter for a request that sets none")
        XCTAssertNil(body["top-p"], "one filter only: a top-p key would switch top-k off")
        XCTAssertEqual(body["repetition_penalty"] as? Double, 1.05, "the model keeps a penalty on: its default")
    }

    func testGenerateUsesItsOwnSystemPrompt() async throws {
        let harness = try await Harness.make()
        _ = await harness.run(Harness.generate("x", system: "Answer in French."))
        XCTAssertEqual(harness.runtime.resetPrompts, ["Answer in French."])
    }

    func testBusyAfterResetIsRetried() async throws {
        let harness = try await Harness.make()
        harness.runtime.setBusyAnswersAfterReset(3)
        let outcome = await harness.run(Harness.generate("x"))
        XCTAssertEqual(outcome.text, "Hello world")
        XCTAssertEqual(harness.runtime.generateRequests.count, 4, "three busy answers, then accepted")
    }

    func testBusyForeverFailsUnavailable() async throws {
        let harness = try await Harness.make()
        harness.runtime.setBusyAnswersAfterReset(1000)
        let outcome = await harness.run(Harness.generate("x"))
        guard case .unavailable = outcome.error else { return XCTFail("\(String(describing: outcome.error))") }
    }

    func testAnEarlyDoneIsNotTheEnd() async throws {
        let harness = try await Harness.make()
        harness.runtime.setReply(.init(chunks: ["Late", " start"], earlyDonePolls: 4))
        let outcome = await harness.run(Harness.generate("x"))
        XCTAssertEqual(outcome.text, "Late start")
        XCTAssertEqual(outcome.summary?.finishReason, .stop)
    }

    func testAGenerationThatNeverStartsRestartsTheRuntime() async throws {
        let harness = try await Harness.make()
        harness.runtime.setReply(.init(chunks: [], earlyDonePolls: 1_000_000))
        let outcome = await harness.run(Harness.generate("x"))
        guard case .unavailable = outcome.error else { return XCTFail("\(String(describing: outcome.error))") }
        await harness.host.waitForRestarts(1)
        XCTAssertTrue(harness.host.reasons[0].contains("never ran it"), harness.host.reasons[0])
    }

    func testTextArrivingWithDoneIsKept() async throws {
        let harness = try await Harness.make()
        harness.runtime.setReply(.init(chunks: ["All", " at once"], lastChunkSaysDone: true))
        let outcome = await harness.run(Harness.generate("x"))
        XCTAssertEqual(outcome.text, "All at once")
    }

    func testAStopSequenceCutsTheReplyAndStopsTheRuntime() async throws {
        let harness = try await Harness.make()
        harness.runtime.setReply(.init(chunks: ["Hello wo", "rld! ST", "OP and", " more text"], holdAfter: 3))
        let outcome = await harness.run(Harness.generate("x", sampling: .init(stop: ["STOP"])))
        XCTAssertEqual(outcome.text, "Hello world! ")
        XCTAssertEqual(outcome.summary?.finishReason, .stopSequence)
        XCTAssertFalse(outcome.deltas.joined().contains("ST"), "no part of the stop sequence is relayed")
        // The caller is answered first; the stop follows while the slot stays held.
        let stopped = await harness.runtime.waitUntil { $0.contains { $0.path == "/api/stop" } }
        XCTAssertTrue(stopped)
    }

    func testMaxTokensStopsTheRuntime() async throws {
        let harness = try await Harness.make()
        // Three tokens a chunk, as the runtime sends them; the cut falls inside the second one.
        let chunks = Array(repeating: " one two three", count: 20)
        harness.runtime.setReply(.init(chunks: chunks))
        let outcome = await harness.run(Harness.generate("x", sampling: .init(maxTokens: 5)))
        XCTAssertEqual(outcome.summary?.finishReason, .length)
        XCTAssertEqual(outcome.summary?.completionTokens, 5)
        XCTAssertEqual(outcome.text, " one two three one two")
        let stopped = await harness.runtime.waitUntil { $0.contains { $0.path == "/api/stop" } }
        XCTAssertTrue(stopped)
    }

    func testTheContextFullMessageIsAnErrorNotText() async throws {
        let harness = try await Harness.make()
        harness.runtime.setReply(.init(chunks: ["error: SetKVCache failed: 2048,the context may be full,please reset"],
                                       lastChunkSaysDone: true))
        let outcome = await harness.run(Harness.generate("a very long prompt"))
        XCTAssertEqual(outcome.text, "")
        guard case let .contextFull(message) = outcome.error else {
            return XCTFail("\(String(describing: outcome.error))")
        }
        XCTAssertTrue(message.contains("2048"), message)
    }

    func testValidation() async throws {
        let harness = try await Harness.make()
        let empty = await harness.run(Harness.generate("  "))
        guard case .invalidArgument = empty.error else { return XCTFail("\(String(describing: empty.error))") }
        let none = await harness.run(Harness.chat([]))
        guard case .invalidArgument = none.error else { return XCTFail("\(String(describing: none.error))") }
        let lastAssistant = await harness.run(Harness.chat([(.user, "hi"), (.assistant, "Hello")]))
        guard case .invalidArgument = lastAssistant.error else {
            return XCTFail("\(String(describing: lastAssistant.error))")
        }
        var unknown = Harness.generate("x")
        unknown.model = "llama-70b"
        let notFound = await harness.run(unknown)
        XCTAssertEqual(notFound.error, .modelNotFound("llama-70b"))
        var named = Harness.generate("x")
        named.model = Harness.modelName
        let found = await harness.run(named)
        XCTAssertNil(found.error)
        XCTAssertEqual(harness.runtime.generateRequests.count, 1, "rejected requests never reach the runtime")
    }

    func testModelsAndStatus() async throws {
        let harness = try await Harness.make()
        let models = await harness.engine.models()
        XCTAssertEqual(models.map(\.name), [Harness.modelName])
        XCTAssertEqual(models.first?.emulated, true)

        harness.runtime.setReply(.init(chunks: ["a"], holdAfter: 1))
        var updates = harness.engine.statusUpdates().makeAsyncIterator()
        let probe = harness.start(Harness.generate("x"))
        await probe.expectDelta()
        var sawBusy = false
        while let status = await updates.next() {
            if status.phase == .busy {
                sawBusy = true
                XCTAssertEqual(status.queueCapacity, 16)
                XCTAssertTrue(status.emulated)
                break
            }
        }
        XCTAssertTrue(sawBusy)
        harness.runtime.release()
        _ = await probe.outcome()
        while let status = await updates.next(), status.phase != .ready {}
        let status = await harness.engine.status()
        XCTAssertEqual(status.phase, .ready)
        XCTAssertEqual(status.queueDepth, 0)
    }
}
