import NIOCore
import NIOPosix
import XCTest
@testable import RuntimeBridge

/// A turn's task runs on its caller's event loop and stays there across its awaits (client calls
/// over that loop's connection, pauses), so a relayed delta costs no thread hop inside the bridge.
final class LoopAffinityTests: XCTestCase {
    func testATaskStartedOnALoopStaysOnItAcrossAwaits() async throws {
        let loop = Harness.group.next()
        let onLoop = await loop.startTask { () -> [Bool] in
            var seen = [loop.inEventLoop]
            try? await loop.scheduleTask(in: .milliseconds(1)) {}.futureResult.get()
            seen.append(loop.inEventLoop)
            await Task.yield()
            seen.append(loop.inEventLoop)
            return seen
        }.value
        XCTAssertEqual(onLoop, [true, true, true])
    }

    func testAClientsCallsAndPausesRunOnItsLoop() async throws {
        let runtime = FakeRuntime(group: Harness.group)
        try await runtime.start()
        let client = RuntimeClient(host: "127.0.0.1", port: runtime.port, eventLoopGroup: Harness.group)
        let onLoop = await client.eventLoop.startTask { () -> [Bool] in
            var seen: [Bool] = []
            _ = try? await client.poll(on: client.eventLoop)
            seen.append(client.eventLoop.inEventLoop)
            let start = ContinuousClock.now
            await CancelSignal().pause(for: .milliseconds(20), on: client.eventLoop)
            seen.append(client.eventLoop.inEventLoop)
            seen.append(ContinuousClock.now - start >= .milliseconds(20))
            return seen
        }.value
        XCTAssertEqual(onLoop, [true, true, true])
        await client.close()
    }

    func testTheConnectionFollowsTheCallingLoopAndTheCallStaysOnIt() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let runtime = FakeRuntime(group: Harness.group)
        try await runtime.start()
        let client = RuntimeClient(host: "127.0.0.1", port: runtime.port, eventLoopGroup: group)
        let loops = [group.next(), group.next()]
        XCTAssertFalse(loops[0] === loops[1])
        for loop in [loops[0], loops[0], loops[1], loops[1], loops[0]] {
            let stayed = await loop.startTask { () -> Bool in
                _ = try? await client.poll(on: loop)
                return loop.inEventLoop
            }.value
            XCTAssertTrue(stayed, "the call's reply is awaited on the calling loop")
        }
        XCTAssertEqual(runtime.requests.filter { $0.path == "/api/generate_provider" }.count, 5)
        XCTAssertEqual(runtime.acceptedConnections, 3, "reused on the same loop, moved when the loop changes")
        await client.close()
        try await group.shutdownGracefully()
    }

    func testAFiredSignalEndsAPauseOnTheLoopEarly() async throws {
        let client = RuntimeClient(host: "127.0.0.1", port: 9, eventLoopGroup: Harness.group)
        let signal = CancelSignal()
        let start = ContinuousClock.now
        let pause = client.eventLoop.startTask { await signal.pause(for: .seconds(30), on: client.eventLoop) }
        signal.fire()
        await pause.value
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(10))
    }
}
