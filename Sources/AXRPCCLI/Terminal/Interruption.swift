#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Ctrl-C while a call runs cancels the task consuming it, so that the client resets the
/// stream (RST_STREAM CANCEL) and the server stops generating at once, instead of the process
/// dying and the server noticing only when the connection drops.
///
/// A classic self-pipe rather than a DispatchSource: on Linux a signal source only sees
/// signals that every thread blocks, and NIO's threads do not, so SIGINT was sometimes lost.
enum Interruption {
    /// Exit status of a command ended by SIGINT (128 + 2), as shells report it.
    static let exitStatus: Int32 = 130

    private static let signalled: UInt8 = 1
    private static let finished: UInt8 = 0
    /// The pipe's write end, for the signal handler (which cannot capture anything).
    nonisolated(unsafe) private static var writeEnd: Int32 = -1

    /// Runs `body` in a task that SIGINT cancels; returns whether SIGINT arrived.
    static func run(_ body: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            // No pipe, no graceful interrupt: Ctrl-C keeps its default action.
            try await body()
            return false
        }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        Self.writeEnd = writeEnd
        let target = CancellationTarget()
        let watcher = DispatchGroup()
        watcher.enter()
        DispatchQueue.global().async {
            defer { watcher.leave() }
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) < 0 && errno == EINTR {}
            if byte == signalled { target.interrupt() }
        }
        // Installed before the work starts, so that no SIGINT in between is lost. Only
        // async-signal-safe work in the handler: one write(2).
        signal(SIGINT) { _ in
            var byte = Interruption.signalled
            _ = write(Interruption.writeEnd, &byte, 1)
        }
        defer {
            signal(SIGINT, SIG_DFL)
            var byte = finished
            _ = write(writeEnd, &byte, 1)
            watcher.wait()
            close(readEnd)
            close(writeEnd)
        }
        let work = Task { try await body() }
        target.attach(work)
        do {
            try await work.value
        } catch where target.wasInterrupted {
            // The call's own CANCELLED error is the interruption, not a failure to report.
            return true
        }
        return target.wasInterrupted
    }
}

/// The task SIGINT cancels, whichever comes first: the task or the signal.
private final class CancellationTarget: @unchecked Sendable {
    private let queue = DispatchQueue(label: "axrpc.interruption")
    private var task: Task<Void, any Error>?
    private var interrupted = false

    var wasInterrupted: Bool { queue.sync { interrupted } }

    func attach(_ task: Task<Void, any Error>) {
        queue.sync {
            self.task = task
            if interrupted { task.cancel() }
        }
    }

    func interrupt() {
        queue.sync {
            interrupted = true
            task?.cancel()
        }
    }
}
