import Foundation
import XCTest
@testable import RuntimeBridge

/// Consumes a generation stream in its own task, so a test can watch it update by update and
/// cancel it like a client that goes away. A watchdog ends a stream that never finishes, so a
/// broken engine fails the test instead of hanging it.
final class StreamProbe {
    enum Event: Sendable {
        case update(GenerationUpdate)
        case finished
        case failed(String, BridgeError?)
        case watchdog
    }

    struct Outcome {
        var deltas: [String] = []
        var queued: [(position: Int, depth: Int)] = []
        var summary: GenerationSummary?
        var error: BridgeError?
        var otherError: String?
        var text: String { deltas.joined() }
    }

    private let consumer: Task<Void, Never>
    private let watchdog: Task<Void, Never>
    private var iterator: AsyncStream<Event>.Iterator
    private(set) var seen: [Event] = []

    init(_ stream: AsyncThrowingStream<GenerationUpdate, any Error>, watchdogSeconds: Double = 20) {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        consumer = Task {
            do {
                for try await update in stream { continuation.yield(.update(update)) }
                continuation.yield(.finished)
            } catch {
                continuation.yield(.failed("\(error)", error as? BridgeError))
            }
            continuation.finish()
        }
        let consumer = self.consumer
        watchdog = Task {
            guard (try? await Task.sleep(for: .seconds(watchdogSeconds))) != nil else { return }
            continuation.yield(.watchdog)
            continuation.finish()
            consumer.cancel()
        }
        iterator = events.makeAsyncIterator()
    }

    deinit {
        watchdog.cancel()
    }

    /// Cancels the consuming task: the engine sees the stream terminate.
    func cancel() {
        consumer.cancel()
    }

    func next() async -> Event? {
        let event = await iterator.next()
        if let event { seen.append(event) }
        return event
    }

    /// Reads events until one matches; false if the stream ended first.
    @discardableResult
    func waitFor(_ matches: (Event) -> Bool) async -> Bool {
        while let event = await next() {
            if matches(event) { return true }
        }
        return false
    }

    func waitForQueued(position: Int) async -> Bool {
        await waitFor {
            if case let .update(.queued(p, _)) = $0 { return p == position }
            return false
        }
    }

    func waitForDelta() async -> Bool {
        await waitFor {
            if case .update(.delta) = $0 { return true }
            return false
        }
    }

    func expectQueued(position: Int, file: StaticString = #filePath, line: UInt = #line) async {
        let seen = await waitForQueued(position: position)
        XCTAssertTrue(seen, "never reached queue position \(position)", file: file, line: line)
    }

    func expectDelta(file: StaticString = #filePath, line: UInt = #line) async {
        let seen = await waitForDelta()
        XCTAssertTrue(seen, "no text arrived", file: file, line: line)
    }

    /// Reads to the end and sums up everything seen, including earlier events.
    func outcome() async -> Outcome {
        while await next() != nil {}
        var outcome = Outcome()
        for event in seen {
            switch event {
            case let .update(.delta(text)): outcome.deltas.append(text)
            case let .update(.queued(position, depth)): outcome.queued.append((position, depth))
            case let .update(.done(summary)): outcome.summary = summary
            case let .failed(description, bridge):
                outcome.error = bridge
                if bridge == nil { outcome.otherError = description }
            case .watchdog: outcome.otherError = "watchdog: the stream never ended"
            case .finished: break
            }
        }
        return outcome
    }
}
