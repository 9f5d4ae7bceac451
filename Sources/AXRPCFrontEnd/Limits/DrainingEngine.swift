import Logging
import NIOConcurrencyHelpers
import RuntimeBridge

/// The engine as shutdown sees it: on `drain()` the generations still waiting in the queue end
/// at once with UNAVAILABLE (503 on HTTP), which clients retry elsewhere, instead of waiting out
/// the grace period only to be cut off; the one the runtime is working on finishes. New requests
/// after `drain()` are refused the same way.
///
/// Each generation is relayed through a task of its own so that it can be ended from outside;
/// the runtime produces a few tokens per second, so the extra hop per delta costs nothing
/// measurable.
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
        let relay = Task {
            do {
                for try await update in updates {
                    self.note(id, update)
                    continuation.yield(update)
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
        continuation.onTermination = { _ in relay.cancel() }
        return stream
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
