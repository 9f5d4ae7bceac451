import Foundation

/// A caller's "stop now", set from any thread (the stream's termination handler) and read by the
/// turn driver between two runtime calls. The driver runs in a task of its own that is never
/// cancelled, so that it can keep pacing its polls while it stops the runtime and settles it.
final class CancelSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false

    func fire() {
        lock.lock()
        fired = true
        lock.unlock()
    }

    var isFired: Bool {
        lock.lock()
        defer { lock.unlock() }
        return fired
    }
}
