import XCTest
@testable import RuntimeBridge

/// Conversation state against the fake runtime: continue without reset, reset with history,
/// context-full recovery, restarts.
final class EngineConversationTests: XCTestCase {
    func testAChatThatExtendsTheLastOneContinuesWithoutReset() async throws {
        let harness = try await Harness.make()
        harness.runtime.setScript { prompt in .init(chunks: ["<think>\n\n</think>\n\n", "Re: \(prompt)"]) }
        let first = await harness.run(Harness.chat([(.user, "hi")]))
        XCTAssertEqual(first.text, "Re: hi")
        XCTAssertEqual(first.summary?.contextReused, false)

        let second = await harness.run(Harness.chat([(.user, "hi"), (.assistant, "Re: hi"), (.user, "more")]))
        XCTAssertEqual(second.summary?.contextReused, true)
        XCTAssertEqual(harness.runtime.resetPrompts.count, 1, "no second reset")
        XCTAssertEqual(harness.runtime.prompts.last, "more", "only the new user text")

        // Diverged: reset, history in one prompt.
        let third = await harness.run(Harness.chat([(.user, "hello"), (.assistant, "Re: hi"), (.user, "more")]))
        XCTAssertEqual(third.summary?.contextReused, false)
        XCTAssertEqual(harness.runtime.resetPrompts.count, 2)
        XCTAssertEqual(harness.runtime.prompts.last,
                       "Earlier in this conversation:\nUser: hello\nAssistant: Re: hi\n\nNow answer:\nmore")
    }

    func testAGenerateInBetweenForcesAReset() async throws {
        let harness = try await Harness.make()
        harness.runtime.setScript { _ in .init(chunks: ["ok"]) }
        _ = await harness.run(Harness.chat([(.user, "hi")]))
        _ = await harness.run(Harness.generate("unrelated"))
        let chat = await harness.run(Harness.chat([(.user, "hi"), (.assistant, "ok"), (.user, "more")]))
        XCTAssertEqual(chat.summary?.contextReused, false)
        XCTAssertEqual(harness.runtime.resetPrompts.count, 3)
    }

    func testAReplyCutByAStopSequenceIsNotContinued() async throws {
        let harness = try await Harness.make()
        harness.runtime.setScript { _ in .init(chunks: ["one END two"]) }
        let first = await harness.run(Harness.chat([(.user, "hi")], sampling: .init(stop: ["END"])))
        XCTAssertEqual(first.text, "one ")
        let second = await harness.run(Harness.chat([(.user, "hi"), (.assistant, "one "), (.user, "more")]))
        XCTAssertEqual(second.summary?.contextReused, false)
    }

    func testAChangedSystemPromptResetsWithTheNewOne() async throws {
        let harness = try await Harness.make()
        _ = await harness.run(Harness.chat([(.user, "hi")]))
        _ = await harness.run(Harness.chat([(.system, "Be a pirate."), (.user, "hi"), (.assistant, "Hello world"),
                                            (.user, "more")]))
        XCTAssertEqual(harness.runtime.resetPrompts, ["You are a test assistant.", "Be a pirate."])
    }

    func testContextFullRetriesOnceWithTheOldestTurnsDropped() async throws {
        let harness = try await Harness.make(contextTokens: 400)
        harness.runtime.setScript { prompt in
            prompt.count > 400
                ? .init(chunks: ["error: SetKVCache failed: 400,the context may be full,please reset"], lastChunkSaysDone: true)
                : .init(chunks: ["fits"])
        }
        let long = String(repeating: "lorem ipsum ", count: 30)  // 360 chars
        let outcome = await harness.run(Harness.chat([(.user, long), (.assistant, long), (.user, "short"),
                                                      (.assistant, "ok"), (.user, "last question")]))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.text, "fits")
        XCTAssertEqual(harness.runtime.prompts.count, 2, "one failed attempt, one retry")
        XCTAssertEqual(harness.runtime.resetPrompts.count, 2)
        XCTAssertEqual(harness.runtime.prompts.last,
                       "Earlier in this conversation:\nUser: short\nAssistant: ok\n\nNow answer:\nlast question")
    }

    func testContextFullEvenWithoutHistoryFails() async throws {
        let harness = try await Harness.make()
        harness.runtime.setScript { _ in
            .init(chunks: ["error: SetKVCache failed: 2048,the context may be full,please reset"], lastChunkSaysDone: true)
        }
        let outcome = await harness.run(Harness.chat([(.user, "q1"), (.assistant, "a1"), (.user, "q2")]))
        XCTAssertEqual(outcome.error, .contextFull(
            "the conversation no longer fits the model's context of 2048 tokens; start a new conversation or send fewer/shorter messages"))
        XCTAssertEqual(outcome.text, "")
    }

    func testTheRuntimeDyingMidStreamFailsThatCallAndQueuedCallsWaitForTheRestart() async throws {
        let harness = try await Harness.make()
        let host = harness.host
        harness.runtime.setOnDeath { host.setDown(failure: "exit code 255; last lines: lLaMa.Init failed") }
        harness.runtime.setScript { prompt in
            prompt == "die" ? .init(chunks: ["partial", "never"], holdAfter: 1, dieAfter: 1) : .init(chunks: ["x"])
        }
        // Establish a conversation, then lose it with the process.
        _ = await harness.run(Harness.chat([(.user, "hi")]))
        let dying = harness.start(Harness.generate("die"))
        await dying.expectDelta()
        let queued = harness.start(Harness.chat([(.user, "hi"), (.assistant, "x"), (.user, "after")]))
        await queued.expectQueued(position: 1)
        harness.runtime.release()

        let died = await dying.outcome()
        XCTAssertEqual(died.error, .unavailable(
            "the runtime exited while generating: exit code 255; last lines: lLaMa.Init failed"))

        // The supervisor brings up a new runtime; the queued request runs there, after a reset.
        let replacement = FakeRuntime(group: Harness.group)
        try await replacement.start()
        replacement.setScript { _ in .init(chunks: ["fresh"]) }
        host.setReady(port: replacement.port)
        let outcome = await queued.outcome()
        XCTAssertEqual(outcome.text, "fresh")
        XCTAssertEqual(outcome.summary?.contextReused, false)
        XCTAssertEqual(replacement.resetPrompts.count, 1, "reset once on the new incarnation")
        XCTAssertEqual(replacement.prompts.last,
                       "Earlier in this conversation:\nUser: hi\nAssistant: x\n\nNow answer:\nafter")
    }

    func testANewIncarnationResetsEvenACleanConversation() async throws {
        let harness = try await Harness.make()
        _ = await harness.run(Harness.chat([(.user, "hi")]))
        // The supervisor restarted the runtime (same address, new process).
        harness.host.setReady(port: harness.runtime.port)
        let next = await harness.run(Harness.chat([(.user, "hi"), (.assistant, "Hello world"), (.user, "more")]))
        XCTAssertEqual(next.summary?.contextReused, false)
        XCTAssertEqual(harness.runtime.resetPrompts.count, 2)
    }

    func testARuntimeThatVanishedBetweenRequestsIsReportedUnreachable() async throws {
        let harness = try await Harness.make()
        await harness.runtime.kill()  // the supervisor has not noticed: it still says ready
        let outcome = await harness.run(Harness.generate("x"))
        guard case let .unavailable(message) = outcome.error else {
            return XCTFail("\(String(describing: outcome.error))")
        }
        XCTAssertTrue(message.hasPrefix("the runtime is not reachable: "), message)
    }

    func testARuntimeThatStopsAnsweringIsRestarted() async throws {
        var tuning = Harness.fastTuning
        tuning.requestTimeout = .milliseconds(300)
        let harness = try await Harness.make(tuning: tuning)
        harness.runtime.setReply(.init(chunks: ["a"], holdAfter: 1))
        let probe = harness.start(Harness.generate("x"))
        await probe.expectDelta()
        harness.runtime.setSilent(true)
        let outcome = await probe.outcome()
        guard case let .unavailable(message) = outcome.error else {
            return XCTFail("\(String(describing: outcome.error))")
        }
        XCTAssertTrue(message.contains("stopped responding"), message)
        await harness.host.waitForRestarts(1)  // asked for after the caller got its answer
        XCTAssertTrue(harness.host.reasons[0].contains("stopped answering"), harness.host.reasons[0])
    }

    func testWaitingForARuntimeThatNeverComesRespectsTheDeadline() async throws {
        let harness = try await Harness.make()
        harness.host.setDown(failure: "starting")
        let outcome = await harness.run(Harness.generate("x", deadline: .now + .milliseconds(100)))
        guard case .deadlineExceeded = outcome.error else { return XCTFail("\(String(describing: outcome.error))") }
    }
}
