import NIOCore

/// Runs the jobs of tasks that prefer it on one NIO event loop (SE-0417 task executor
/// preference). Code that drives a channel of that loop, or feeds one, then runs where the
/// channel's I/O completes: a future completed there resumes its waiter there, with no thread
/// hop each way. NIO 2.101 offers event loops as serial (actor) executors only, hence this type.
@available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, *)
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // On the loop itself this only queues the job behind the current one: no wake-up.
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension EventLoop {
    /// Starts `body` in a task that prefers this loop's thread where Swift offers task executors,
    /// else in an ordinary task. For work that awaits this loop's I/O or feeds it: it must not
    /// block, since everything else on the loop waits meanwhile.
    package func startTask<Success: Sendable>(_ body: sending @escaping () async -> Success) -> Task<Success, Never> {
        if #available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, *) {
            return Task(executorPreference: EventLoopTaskExecutor(self), operation: body)
        }
        return Task(operation: body)
    }
}
