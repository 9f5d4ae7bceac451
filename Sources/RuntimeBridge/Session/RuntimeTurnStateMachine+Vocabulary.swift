/// What the turn state machine and its driver speak in: the timing it is given, the actions it
/// asks for, how a turn ends, and what to do with a poll's text.
extension RuntimeTurnStateMachine {
    struct Timing: Sendable, Equatable {
        /// Pause between polls that brought nothing new.
        var pollInterval: Duration
        /// How long `done: true` must hold (over at least two polls) before the runtime counts as
        /// quiescent: an upper bound on the worker's pick-up latency plus the gap between tasks.
        var quietPeriod: Duration
        /// How often `/api/stop` is repeated while the runtime is still seen busy.
        var stopRepeatInterval: Duration
        /// After the first stop, how long the runtime may stay busy before it is restarted as hung.
        var stopGrace: Duration
        /// How long an accepted generate may show no sign of running before the runtime is
        /// restarted as wedged.
        var startTimeout: Duration
        /// How long "llm is running" (someone else's task) is waited out before a restart.
        var busyWaitLimit: Duration
        /// How long the runtime must be idle, after it was seen running, before a generation that
        /// sent no text at all counts as ended. Every real reply starts with the think prefix, so
        /// this is long (if what ran was a reset that finished unseen, the generation comes next).
        var emptyReplyGrace: Duration
        /// How polls are paced while a generation runs (nil: `PollPacer`'s defaults around
        /// `pollInterval`).
        var pacing: PollPacer.Settings? = nil
    }

    /// Why the reply ended early; decided by the caller (deadline, cancel) or the reply filter.
    enum Cut: Sendable, Equatable {
        case cancelled, deadlineExceeded, length, stopSequence, contextFull
    }

    /// How the turn ended, for the caller.
    enum Outcome: Sendable, Equatable {
        /// The reply ended by itself, or was cut by a stop sequence or `max_tokens`.
        case finished(GenerationSummary.FinishReason)
        case cancelled
        case deadlineExceeded
        /// The runtime's context-full line replaced (or ended) the reply.
        case contextFull
        /// An HTTP exchange failed; `generateAccepted` tells whether the runtime had our work.
        case failed(RuntimeClientError, generateAccepted: Bool)
        /// The runtime stopped behaving (busy past every bound): it is being restarted.
        case hung(String)
    }

    enum Action: Sendable, Equatable {
        case postReset(systemPrompt: String)
        case postGenerate
        /// Poll `generate_provider` after `after` (zero: at once).
        case poll(after: Duration)
        /// Send `/api/stop`, then poll after `pollAfter`.
        case stopAndPoll(pollAfter: Duration)
        /// Tell the caller now; call `answered(at:)` for what comes next (the runtime may still
        /// need settling while the slot stays held).
        case answer(Outcome)
        /// Ask the supervisor for a new runtime process; the turn is over (not clean).
        case restart(reason: String)
        /// The turn is over. `clean`: idle, nothing pending, queue drained.
        case handOff(clean: Bool)
    }

    /// What to do with the text of a poll.
    enum Text: Sendable, Equatable {
        case none
        /// This generation's text: relay it (through the reply filter).
        case relay(String)
        /// Text that is not part of the reply (left over from before, or after a cut).
        case discard(String)
    }
}
