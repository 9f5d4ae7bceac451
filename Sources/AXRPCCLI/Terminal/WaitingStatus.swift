import Dispatch
import RPCProtocol

/// What a call is waiting for before its first text: a place in the queue, or a runtime that is
/// still loading its model (which takes minutes on the NPU). On a terminal it is one status line
/// on stderr, rewritten every second with the time so far and erased when the text starts; when
/// stderr is not a terminal, a plain line each time the situation changes, so logs stay readable.
final class WaitingStatus: @unchecked Sendable {
    private let queue = DispatchQueue(label: "axrpc.waiting-status")
    private let live: Bool
    private let started = ContinuousClock.now
    private var position: QueueStatus?
    private var runtime: HealthResponse?
    /// The situation last printed as a plain line (piped), to print each one once.
    private var lastPlain = ""
    private var lineShown = false
    private var ended = false

    init(live: Bool = Console.stderrIsTerminal) {
        self.live = live
    }

    func queued(_ status: QueueStatus) {
        queue.sync {
            position = status
            render()
        }
    }

    func runtime(_ health: HealthResponse) {
        queue.sync {
            runtime = health
            render()
        }
    }

    /// Redraws the live line (the seconds move on).
    func tick() {
        queue.sync { render() }
    }

    /// The first text (or the end) arrived: the line goes away and nothing more is shown.
    func end() {
        queue.sync {
            ended = true
            if live && lineShown { Console.err("\r\u{1B}[K") }
            lineShown = false
        }
    }

    private func render() {
        guard !ended, let situation = situation() else { return }
        if live {
            let seconds = started.duration(to: .now).components.seconds
            Console.err("\r\u{1B}[K" + situation + " (\(seconds) s)")
            lineShown = true
        } else if situation != lastPlain {
            lastPlain = situation
            Console.err(situation + "\n")
        }
    }

    /// The words for the current situation; nil while nothing is worth saying.
    private func situation() -> String? {
        if let runtime, runtime.runtimeState != .ready, runtime.runtimeState != .busy {
            let state = Names.of(runtime.runtimeState)
            let loading = runtime.runtimeState == .starting || runtime.runtimeState == .restarting
            return "waiting for the runtime: \(state)" + (loading ? ", loading the model" : "")
                + (runtime.lastError.isEmpty || loading ? "" : " (\(runtime.lastError))")
        }
        if let position {
            return "waiting in queue: position \(position.position) of \(position.queueDepth)"
        }
        return nil
    }
}
