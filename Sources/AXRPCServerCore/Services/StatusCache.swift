import NIOConcurrencyHelpers
import RuntimeBridge

/// The engine's latest status, kept current by watching its updates, so that unary health
/// answers are computed on the event loop without a hop to another thread (a health probe is the
/// most frequent call a mesh makes).
package final class StatusCache: Sendable {
    private let latest: NIOLockedValueBox<RuntimeStatus>
    private let watcher: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    package init(engine: any InferenceEngine) async {
        latest = NIOLockedValueBox(await engine.status())
        let updates = engine.statusUpdates()
        let latest = self.latest
        watcher.withLockedValue { task in
            task = Task {
                for await status in updates { latest.withLockedValue { $0 = status } }
            }
        }
    }

    deinit {
        watcher.withLockedValue { $0?.cancel() }
    }

    package var current: RuntimeStatus { latest.withLockedValue { $0 } }
}
