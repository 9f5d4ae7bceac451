/// The timing of one worker task: fixed from the configuration, or drawn per task in chaos mode.
struct TaskTiming: Sendable, Equatable {
    /// From acceptance by an idle worker to the start (nothing is busy meanwhile).
    var dispatchMilliseconds: Double
    /// From the end of the previous task to the start, when this task was queued behind it.
    var gapMilliseconds: Double
    /// How long the task keeps the runtime busy if it is a reset.
    var resetMilliseconds: Double
    /// Time per decoded token if it is a generation.
    var tokenIntervalNanoseconds: UInt64
    /// Tokens still produced after `/api/stop` before the generation notices it (0: the next step).
    var stopLatencyTokens: Int

    /// The fixed timing of every task when chaos is off.
    init(fixed configuration: EngineConfiguration) {
        dispatchMilliseconds = configuration.dispatchMilliseconds
        gapMilliseconds = configuration.taskGapMilliseconds
        resetMilliseconds = configuration.resetMilliseconds
        tokenIntervalNanoseconds = configuration.tokenIntervalNanoseconds
        stopLatencyTokens = 0
    }

    init(dispatchMilliseconds: Double, gapMilliseconds: Double, resetMilliseconds: Double,
         tokenIntervalNanoseconds: UInt64, stopLatencyTokens: Int) {
        self.dispatchMilliseconds = dispatchMilliseconds
        self.gapMilliseconds = gapMilliseconds
        self.resetMilliseconds = resetMilliseconds
        self.tokenIntervalNanoseconds = tokenIntervalNanoseconds
        self.stopLatencyTokens = stopLatencyTokens
    }
}
