import RPCProtocol
import XCTest

@testable import AXRPCClient

/// The public API against a running axrpc-server (with its emulator), when one is named by
/// `AXRPC_TEST_SERVER=HOST:PORT`; skipped otherwise. The interop tests (tests/interop/
/// test_cli.py) cover the same paths through the `axrpc` binary on every run.
final class LiveServerTests: XCTestCase {
    private func liveClient() throws -> AXRPCClient {
        guard let text = ProcessInfo.processInfo.environment["AXRPC_TEST_SERVER"],
              let address = ServerAddress(parsing: text) else {
            throw XCTSkip("set AXRPC_TEST_SERVER=HOST:PORT to run against a live server")
        }
        return AXRPCClient(address: address)
    }

    private static func request(_ prompt: String, maxTokens: UInt32) -> GenerateRequest {
        GenerateRequest(prompt: prompt, options: SamplingOptions(maxTokens: maxTokens))
    }

    func testClosedPortIsUnavailableWithTheAddress() async {
        let client = AXRPCClient(host: "127.0.0.1", port: 1)
        do {
            try await client.connect()
            XCTFail("connected to port 1")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .unavailable)
            XCTAssertTrue(error.message.hasPrefix("cannot connect to 127.0.0.1:1: "), error.message)
        } catch {
            XCTFail("not an RPCError: \(error)")
        }
        do {
            _ = try await client.health()
            XCTFail("a call to a closed port succeeded")
        } catch {
            XCTAssertEqual((error as? RPCError)?.code, .unavailable)
        }
    }

    func testConcurrentCallsShareOneConnection() async throws {
        let client = try liveClient()
        try await client.connect()
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<3 {
                group.addTask {
                    var text = ""
                    var done = false
                    for try await event in client.generate(Self.request("prompt \(index)", maxTokens: 8)) {
                        if case .delta(let delta) = event.event { text += delta }
                        if case .done = event.event { done = true }
                    }
                    XCTAssertTrue(done)
                    return text
                }
            }
            group.addTask { try await client.health().version }
            group.addTask { try await client.listModels().models.first?.name ?? "" }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(texts.count, 5)
        XCTAssertEqual(client.connectionProvider.dialCount, 1)
        await client.close()
    }

    func testCancellingTheConsumerLeavesTheConnectionUsable() async throws {
        let client = try liveClient()
        let sawText = try await Self.readUntilFirstDelta(client)
        XCTAssertTrue(sawText)
        // Leaving the loop dropped the stream: the client reset it; the connection goes on.
        _ = try await client.health(timeout: .seconds(5))
        XCTAssertEqual(client.connectionProvider.dialCount, 1)
        await client.close()
    }

    /// Stops iterating at the first text: the stream is dropped mid-generation.
    private static func readUntilFirstDelta(_ client: AXRPCClient) async throws -> Bool {
        for try await event in client.generate(request("a long story", maxTokens: 400)) {
            if case .delta = event.event { return true }
        }
        return false
    }

    func testTimeoutEndsTheCallWithDeadlineExceeded() async throws {
        let client = try liveClient()
        do {
            for try await _ in client.generate(Self.request("a long story", maxTokens: 2000), timeout: .milliseconds(50)) {}
            XCTFail("the call outlived its deadline")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .deadlineExceeded)
        }
        await client.close()
    }

    func testCloseEndsOpenCallsAndRefusesNewOnes() async throws {
        let client = try liveClient()
        let watch = client.watchHealth()
        var iterator = watch.makeAsyncIterator()
        _ = try await iterator.next()
        await client.close()
        do {
            while try await iterator.next() != nil {}
            XCTFail("the watch went on after close()")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .cancelled)
        }
        do {
            _ = try await client.health()
            XCTFail("a call after close() succeeded")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .unavailable)
        }
    }
}
