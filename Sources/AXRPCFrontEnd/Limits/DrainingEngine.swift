import Logging
import NIOConcurrencyHelpers
import RuntimeBridge

/// The engine as shutdown sees it: on `drain()` the generations still waiting in the queue end
/// at once with UNAVAILABLE (503 on HTTP), which clients retry elsewhere, instead of waiting out
/// the grace period only to be cut off; the one the runtime is working on finishes. New requests
/// after `drain()` are refused the same way.
///
/// A generation is relayed through a task of its own only while it may still be ended from
/// outside (its queue positions and the first update after them); then the caller pulls the
/// bridge's stream itself, so its text costs no thread hop here.
package final class DrainingEngine: InferenceEngine, Sendable {
    private struct Entry {
        /// The last queue position reported; nil once text arrived or if it never waited.
        var position: Int?
        var fail: (@Sendable (BridgeError) -> Void)?
    }

    private struct State {
        var draining = false
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
    }

    private let base: any InferenceEngine
    private let state = NIOLockedValueBox(State())
    package static let shutdownMessage = "the server is shutting down; retry (on another server)"

    package init(base: any InferenceEngine) {
        self.base = base
    }

    package func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationUpdate, any Error>.makeStream()
        let id: UInt64? = state.withLockedValue { state in
            guard !state.draining else { return nil }
            state.nextID += 1
            state.entries[state.nextID] = Entry(position: nil, fail: nil)
            return state.nextID
        }
        guard let id else {
            continuation.finish(throwing: BridgeError.unavailable(Self.shutdownMessage))
            return stream
        }
        let updates = base.generate(request)
        let handoff = NIOLockedValueBox<BridgeUpdates?>(nil)
        let relay = Task {
            var iterator = updates.makeAsyncIterator()
            do {
                while let update = try await iterator.next() {
                    self.note(id, update)
                    continuation.yield(update)
                    if case .queued = update { continue }
                    // Out of the queue: nothing drains it any more. The caller takes over the
                    // bridge's iterator once this stream has ended (one reader at a time).
                    handoff.withLockedValue { $0 = BridgeUpdates(iterator) }
                    self.note(id, nil)
                    continuation.finish()
                    return
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
            self.note(id, nil)
        }
        state.withLockedValue { state in
            state.entries[id]?.fail = { error in
                continuation.finish(throwing: error)
                relay.cancel()
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { relay.cancel() }
        }
        let relayed = BridgeUpdates(stream.makeAsyncIterator())
        let direct = NIOLockedValueBox<BridgeUpdates?>(nil)
        // Pulled in the caller's task, as `MeteredEngine` does: no task of ours between the
        // bridge and the caller once the generation runs.
        return AsyncThrowingStream {
            if let bridge = direct.withLockedValue({ $0 }) { return try await bridge.next() }
            if let update = try await relayed.next() { return update }
            guard let bridge = handoff.withLockedValue({ $0 }) else { return nil }
            direct.withLockedValue { $0 = bridge }
            return try await bridge.next()
        }
    }

    private func note(_ id: UInt64, _ update: GenerationUpdate?) {
        state.withLockedValue { state in
            switch update {
            case let .queued(position, _)?: state.entries[id]?.position = position
            case .delta?: state.entries[id]?.position = nil
            case .done?, nil: _ = state.entries.removeValue(forKey: id)
            }
        }
    }

    /// Ends every generation still waiting for the runtime with UNAVAILABLE and refuses new
    /// ones. Returns how many were ended.
    @discardableResult
    package func drain() async -> Int {
        let waiting = await base.status().queueDepth
        let failures: [@Sendable (BridgeError) -> Void] = state.withLockedValue { state in
            state.draining = true
            // The queue is FIFO: the `waiting` entries with the highest positions are the ones
            // still waiting; a position-1 entry may already be running (it reports no start).
            let queued = state.entries.filter { $0.value.position != nil && $0.value.fail != nil }
                .sorted { ($0.value.position ?? 0) > ($1.value.position ?? 0) }
                .prefix(waiting)
            for (id, _) in queued { state.entries.removeValue(forKey: id) }
            return queued.compactMap(\.value.fail)
        }
        for fail in failures { fail(.unavailable(Self.shutdownMessage)) }
        return failures.count
    }

    package func status() async -> RuntimeStatus { await base.status() }
    package func statusUpdates() -> AsyncStream<RuntimeStatus> { base.statusUpdates() }
    package func models() async -> [ModelDescriptor] { await base.models() }
}

/// A stream's iterator, boxed for the closures above. Only one task calls `next()` at a time:
/// the relay until it hands the iterator over, then the caller.
private final class BridgeUpdates: @unchecked Sendable {
    private var base: AsyncThrowingStream<GenerationUpdate, any Error>.AsyncIterator
    init(_ base: AsyncThrowingStream<GenerationUpdate, any Error>.AsyncIterator) { self.base = base }
    func next() async throws -> GenerationUpdate? { try await base.next() }
}
