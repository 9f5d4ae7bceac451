import ArgumentParser
import RPCProtocol

/// The model and sampling options of `generate` and `chat`; unset = the server's defaults.
struct SamplingFlags: ParsableArguments, Sendable {
    @Option(help: "The model to run (default: the server's).")
    var model = ""

    @Option(help: "A system prompt.")
    var system = ""

    @Option(name: .customLong("max-tokens"), help: "The most tokens to generate.")
    var maxTokens: UInt32?

    @Option(help: "Sampling temperature; <= 0 is greedy.")
    var temperature: Float?

    @Option(name: .customLong("top-k"), help: "Sample from the k most likely tokens; 1 is greedy.")
    var topK: UInt32?

    @Option(name: .customLong("top-p"), help: "Nucleus sampling probability mass.")
    var topP: Float?

    @Option(name: .customLong("repetition-penalty"), help: "Penalty for repeated tokens.")
    var repetitionPenalty: Float?

    @Option(name: .customLong("stop"), help: "Cut the text before this sequence (repeatable).")
    var stop: [String] = []

    /// nil when nothing was set, so that the request carries no options message at all.
    var options: SamplingOptions? {
        let options = SamplingOptions(temperature: temperature, topP: topP, topK: topK,
                                      repetitionPenalty: repetitionPenalty, maxTokens: maxTokens, stop: stop)
        return options == SamplingOptions() ? nil : options
    }
}
