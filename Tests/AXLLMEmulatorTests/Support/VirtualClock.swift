@testable import AXLLMEmulator

/// A virtual `EngineClock`: time only moves when a test advances it, and due timers run in deadline order.
final class VirtualClock: EngineClock {
    private final class Entry: EngineTimer {
        let deadline: UInt64
        let sequence: Int
        var task: (() -> Void)?

        init(deadline: UInt64, sequence: Int, task: @escaping () -> Void) {
            self.deadline = deadline
            self.sequence = sequence
            self.task = task
        }

        func cancel() { task = nil }
    }

    private(set) var nowNanoseconds: UInt64 = 0
    private var entries: [Entry] = []
    private var sequence = 0

    func schedule(afterNanoseconds delay: UInt64, _ task: @escaping () -> Void) -> EngineTimer {
        sequence += 1
        let entry = Entry(deadline: nowNanoseconds + delay, sequence: sequence, task: task)
        entries.append(entry)
        return entry
    }

    /// Live (not cancelled) timers.
    var pendingTimers: Int { entries.filter { $0.task != nil }.count }

    /// Moves time forward by `milliseconds`, running every timer that falls due on the way.
    func advance(milliseconds: Double) {
        let target = nowNanoseconds + UInt64(milliseconds * 1_000_000)
        while let next = nextEntry(dueBy: target) {
            entries.removeAll { $0 === next }
            nowNanoseconds = next.deadline
            next.task?()
        }
        nowNanoseconds = target
    }

    private func nextEntry(dueBy target: UInt64) -> Entry? {
        entries.removeAll { $0.task == nil }
        return entries.filter { $0.deadline <= target }.min {
            ($0.deadline, $0.sequence) < ($1.deadline, $1.sequence)
        }
    }
}
