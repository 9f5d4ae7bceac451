import NIOConcurrencyHelpers
import NIOCore

/// The engine's generation tasks, so that shutdown can stop them and wait for them: a turn that
/// outlives its caller (it is still stopping the runtime or settling) must end before the event
/// loops it uses are shut down.
final class InFlightGenerations: Sendable {
    private struct Entry {
        var task: Task<Void, Never>
        var cancel: CancelSignal
    }

    private struct State {
        var open = true
        var entries: [UInt64: Entry] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Starts `body` as generation `id` on `loop` (see `EventLoop.startTask`) unless shutdown
    /// began; returns the task, or nil when closed. The task is registered before it can end, so
    /// it always finds its own entry to remove.
    func start(id: UInt64, cancel: CancelSignal, on loop: any EventLoop,
               _ body: @escaping @Sendable () async -> Void) -> Task<Void, Never>? {
        state.withLockedValue { state in
            guard state.open else { return nil }
            let task = loop.startTask {
                await body()
                self.finished(id)
            }
            state.entries[id] = Entry(task: task, cancel: cancel)
            return task
        }
    }

    /// Refuses new generations and stops the running ones (their turns tell the runtime to stop);
    /// returns when every one has ended.
    func stopAll() async {
        let entries = state.withLockedValue { state in
            state.open = false
            return Array(state.entries.values)
        }
        for entry in entries {
            entry.cancel.fire()
            entry.task.cancel()
        }
        for entry in entries { await entry.task.value }
    }

    private func finished(_ id: UInt64) {
        _ = state.withLockedValue { $0.entries.removeValue(forKey: id) }
    }
}
