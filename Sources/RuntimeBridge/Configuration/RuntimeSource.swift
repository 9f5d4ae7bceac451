/// Where the runtime comes from, as the server's command line says it. `resolve` turns it into the
/// model the server advertises and the plan the supervisor carries out.
public enum RuntimeSource: Sendable, Equatable {
    /// `--runtime-command CMD`: run `exec CMD` through `/bin/sh` (a simple command; see
    /// `ProcessSpec.Invocation.shellCommand`); `tokenizerCommand` likewise, started first.
    case launch(command: String, url: String = "http://127.0.0.1:8000", tokenizerCommand: String? = nil,
                tokenizerURL: String = "http://127.0.0.1:12345", workingDirectory: String? = nil)
    /// `--runtime-url URL`: a runtime someone else runs; never launched, never restarted.
    case attach(url: String)
    /// `--model-dir DIR`: everything from `DIR/axrpc-model.json` and `DIR/post_config.json`.
    case modelDirectory(path: String)
    /// `--emulator`: the `axllm-emulator` program, on a free local port chosen at each launch
    /// (passed as `--port N`) unless `arguments` already hold `--port`.
    case builtInEmulator(emulatorPath: String, arguments: [String] = [])

    /// `model`: what to advertise for `launch`/`attach`/`builtInEmulator` (default: Qwen3-4B,
    /// marked emulated for the emulator); a model directory's manifest always wins.
    public func resolve(model: ModelConfiguration? = nil) throws(ConfigurationError) -> ResolvedRuntime {
        switch self {
        case let .launch(command, url, tokenizerCommand, tokenizerURL, workingDirectory):
            let runtime = ProcessSpec(role: "runtime", invocation: .shellCommand(command),
                                      workingDirectory: workingDirectory, endpoint: try RuntimeEndpoint(url: url))
            var tokenizer: ProcessSpec?
            if let tokenizerCommand {
                tokenizer = ProcessSpec(role: "tokenizer", invocation: .shellCommand(tokenizerCommand),
                                        workingDirectory: workingDirectory,
                                        endpoint: try RuntimeEndpoint(url: tokenizerURL))
            }
            return ResolvedRuntime(model: model ?? .qwen3_4B(emulated: false),
                                   plan: RuntimePlan(mode: .launch(runtime: runtime, tokenizer: tokenizer)))
        case let .attach(url):
            return ResolvedRuntime(model: model ?? .qwen3_4B(emulated: false),
                                   plan: RuntimePlan(mode: .attach(try RuntimeEndpoint(url: url))))
        case let .modelDirectory(path):
            return try ModelDirectoryLoader.load(directory: path)
        case let .builtInEmulator(emulatorPath, arguments):
            let fixedPort = Self.portArgument(in: arguments)
            let runtime = ProcessSpec(
                role: "runtime", invocation: .program(emulatorPath, arguments: arguments),
                endpoint: RuntimeEndpoint(host: "127.0.0.1", port: fixedPort ?? 0),
                dynamicPortFlag: fixedPort == nil ? "--port" : nil)
            var advertised = model ?? .emulatedDefault
            advertised.descriptor.emulated = true
            return ResolvedRuntime(model: advertised,
                                   plan: RuntimePlan(mode: .launch(runtime: runtime, tokenizer: nil), emulated: true))
        }
    }

    /// The value of `--port N` / `--port=N` when the caller fixed the emulator's port.
    static func portArgument(in arguments: [String]) -> Int? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--port", index + 1 < arguments.count { return Int(arguments[index + 1]) }
            if argument.hasPrefix("--port=") { return Int(argument.dropFirst("--port=".count)) }
        }
        return nil
    }
}

/// A source resolved: the one model the server advertises, the supervisor's plan, and warnings
/// worth logging at startup (e.g. a missing `post_config.json`).
public struct ResolvedRuntime: Sendable, Equatable {
    public var model: ModelConfiguration
    public var plan: RuntimePlan
    public var warnings: [String]

    public init(model: ModelConfiguration, plan: RuntimePlan, warnings: [String] = []) {
        self.model = model
        self.plan = plan
        self.warnings = warnings
    }
}

extension ModelConfiguration {
    /// AXERA-TECH's Qwen3-4B package (w8a16, 2048-token KV cache) with the sampling its
    /// `post_config.json` enables: top-k 1 (greedy); temperature, top-p and penalty off.
    public static func qwen3_4B(emulated: Bool) -> ModelConfiguration {
        ModelConfiguration(
            descriptor: ModelDescriptor(name: "qwen3:4b", family: "qwen3", parameterSize: "4B",
                                        quantization: "w8a16", contextLength: 2048,
                                        emulated: emulated, isDefault: true),
            samplingDefaults: SamplingDefaults(temperature: 0, topP: 0, topK: 1, repetitionPenalty: 1.0),
            contextTokens: 2048)
    }

    /// What the built-in emulator imitates: the same name as the hardware model, so that clients
    /// work unchanged, with `emulated: true` so that nobody mistakes it for the NPU.
    public static var emulatedDefault: ModelConfiguration { qwen3_4B(emulated: true) }
}
