import Foundation
import NIOCore

/// A caller's "stop now", set from any thread (the stream's termination handler) and read by the
/// turn driver between two runtime calls. The driver runs in a task of its own that is never
/// cancelled, so that it can keep pacing its polls while it stops the runtime and settles it;
/// its pauses between polls (`pause(for:)`) end at once when the signal fires, so that a stop
/// reaches the runtime promptly however long the pacer meant to wait.
final class CancelSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    /// The one pause in progress (only the driver pauses).
    private var sleeper: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
    private var lastPauseID: UInt64 = 0
    /// Pauses up to this id ended by their timer, possibly before they began to wait.
    private var expiredThrough: UInt64 = 0

    func fire() {
        lock.lock()
        fired = true
        let waiting = sleeper
        sleeper = nil
        lock.unlock()
        waiting?.continuation.resume()
    }

    var isFired: Bool {
        lock.lock()
        defer { lock.unlock() }
        return fired
    }

    /// Waits `duration`, or until the signal fires, whichever comes first. The timer is `loop`'s
    /// (the runtime client's, where the turn runs): no task or timer thread per pause.
    func pause(for duration: Duration, on loop: any EventLoop) async {
        let nanoseconds = duration.components.seconds * 1_000_000_000
            + duration.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return }
        let id = nextPauseID()
        let timer = loop.scheduleTask(in: .nanoseconds(nanoseconds)) { [weak self] in self?.expire(id) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if fired || expiredThrough >= id {
                lock.unlock()
                continuation.resume()
                return
            }
            sleeper = (id, continuation)
            lock.unlock()
        }
        timer.cancel()
    }

    private func nextPauseID() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        lastPauseID += 1
        return lastPauseID
    }

    private func expire(_ id: UInt64) {
        lock.lock()
        expiredThrough = max(expiredThrough, id)
        guard let waiting = sleeper, waiting.id == id else {
            lock.unlock()
            return
        }
        sleeper = nil
        lock.unlock()
        waiting.continuation.resume()
    }
}
