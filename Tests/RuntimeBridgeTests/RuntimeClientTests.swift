import NIOCore
import NIOPosix
import XCTest
@testable import RuntimeBridge

final class RuntimeClientTests: XCTestCase {
    private func started() async throws -> (FakeRuntime, RuntimeClient) {
        let runtime = FakeRuntime(group: Harness.group)
        try await runtime.start()
        return (runtime, RuntimeClient(host: "127.0.0.1", port: runtime.port, eventLoopGroup: Harness.group))
    }

    func testGenerateSendsTemperatureAndExactlyOneFilter() async throws {
        let (runtime, client) = try await started()
        try await client.reset(systemPrompt: "Sys", on: client.eventLoop)
        try await client.generate(prompt: "Hi", sampling: ResolvedSampling(temperature: 0.9, selection: .topP(0.8),
                                                                           repetitionPenalty: 1.1),
                                  on: client.eventLoop)
        let (other, otherClient) = try await started()
        try await otherClient.generate(prompt: "Ho", sampling: ResolvedSampling(temperature: 0, selection: .topK(1)),
                                       on: otherClient.eventLoop)
        let first = try XCTUnwrap(runtime.generateRequests.first).json
        XCTAssertEqual(first["prompt"] as? String, "Hi")
        XCTAssertEqual(first["temperature"] as? Double, 0.9)
        XCTAssertEqual(first["top-p"] as? Double, 0.8)
        XCTAssertNil(first["top-k"], "a top-k key would switch top-p off in the runtime")
        XCTAssertEqual(first["repetition_penalty"] as? Double, 1.1)
        let second = try XCTUnwrap(other.generateRequests.last).json
        XCTAssertEqual(second["top-k"] as? Int, 1)
        XCTAssertNil(second["top-p"])
        XCTAssertNil(second["repetition_penalty"], "no penalty key unless the model enables one")
        XCTAssertEqual(second["temperature"] as? Double, 0)
        XCTAssertEqual(runtime.resetPrompts, ["Sys"])
        await client.close()
        await otherClient.close()
    }

    func testPollDecodesTextAndDone() async throws {
        let (runtime, client) = try await started()
        runtime.setReply(.init(chunks: ["Hé", "llo"]))
        try await client.generate(prompt: "x", sampling: .init(temperature: 0, selection: .topK(1)), on: client.eventLoop)
        let first = try await client.poll(on: client.eventLoop)
        XCTAssertEqual(first, RuntimePoll(text: "Hé", done: false))
        _ = try await client.poll(on: client.eventLoop)
        let last = try await client.poll(on: client.eventLoop)
        XCTAssertEqual(last, RuntimePoll(text: "", done: true))
        await client.close()
    }

    func testBusyAndOtherErrorsAreTyped() async throws {
        let (runtime, client) = try await started()
        runtime.setBusyAnswersAfterReset(1)
        try await client.reset(systemPrompt: "", on: client.eventLoop)
        let sampling = ResolvedSampling(temperature: 0, selection: .topK(1))
        do throws(RuntimeClientError) {
            try await client.generate(prompt: "x", sampling: sampling, on: client.eventLoop)
            XCTFail("expected busy")
        } catch {
            XCTAssertEqual(error, .busy)
        }
        do {
            try await client.generate(prompt: "", sampling: sampling, on: client.eventLoop)
            try await client.stop(on: client.eventLoop)
        } catch {
            XCTFail("unexpected \(error)")
        }
        await client.close()
    }

    func testAProtocolErrorCarriesTheBody() async throws {
        let (runtime, client) = try await started()
        runtime.failNext(status: .badRequest, body: #"{"error":"Invalid request format"}"#)
        do throws(RuntimeClientError) {
            try await client.generate(prompt: "x", sampling: .init(temperature: 0, selection: .topK(1)), on: client.eventLoop)
            XCTFail("expected a protocol error")
        } catch {
            XCTAssertEqual(error, .protocolError(path: "/api/generate", status: 400,
                                                 body: #"{"error":"Invalid request format"}"#))
        }
        await client.close()
    }

    func testRefusedConnectionIsTyped() async throws {
        let (runtime, client) = try await started()
        await runtime.kill()
        do throws(RuntimeClientError) {
            _ = try await client.poll(on: client.eventLoop)
            XCTFail("expected a connection error")
        } catch {
            XCTAssertTrue(error.isConnectionFailure, "\(error)")
        }
    }

    func testReconnectsWhenTheRuntimeClosesTheConnection() async throws {
        let (runtime, client) = try await started()
        runtime.setCloseAfterEachResponse(true)
        for _ in 0..<5 { _ = try await client.poll(on: client.eventLoop) }
        XCTAssertEqual(runtime.requests.count, 5)
        await client.close()
    }
}
