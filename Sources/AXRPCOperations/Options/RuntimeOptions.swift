import ArgumentParser
import RuntimeBridge

/// Where the runtime comes from and how it is supervised and queued. With none of
/// `--runtime-command`, `--attach` or `--model-dir`, the built-in emulator runs.
package struct RuntimeOptions: ParsableArguments {
    package init() {}

    @Option(name: .customLong("runtime-command"),
            help: "Launch this command as the runtime (run through /bin/sh; needs --runtime-url).")
    package var runtimeCommand: String?

    @Option(name: .customLong("runtime-url"), help: "Where the runtime's HTTP API listens.")
    package var runtimeURL: String?

    @Flag(help: "Use a runtime someone else runs at --runtime-url: never launched or restarted.")
    package var attach = false

    @Option(name: .customLong("model-dir"), help: "A model directory with axrpc-model.json (see README).")
    package var modelDirectory: String?

    @Option(name: .customLong("tokenizer-command"), help: "Launch this tokenizer service before the runtime.")
    package var tokenizerCommand: String?

    @Option(name: .customLong("emulator-args"), parsing: .unconditional,
            help: "Extra flags for the built-in emulator, e.g. \"--tokens-per-second 50\".")
    package var emulatorArguments = ""

    @Option(name: .customLong("queue-capacity"), help: "Requests that may wait behind the running one.")
    package var queueCapacity = 16

    @Option(name: .customLong("startup-timeout"), help: "Seconds a runtime may take to start listening.")
    package var startupTimeoutSeconds = 300.0

    @Option(name: .customLong("restart-backoff-ms"), help: "First wait before restarting a dead runtime (doubles to 30 s).")
    package var restartBackoffMilliseconds = 1000

    @Flag(name: .customLong("no-runtime"), help: "Serve without a runtime: generation answers UNAVAILABLE.")
    package var noRuntime = false

    @Option(name: .customLong("idle-reset"),
            help: "When the queue empties after a Generate, reset the runtime to the default system prompt in the background, so the next Generate skips that reset (true/false).")
    package var idleReset = true

    package func validate() throws {
        let sources = [runtimeCommand != nil, attach, modelDirectory != nil, noRuntime].filter { $0 }.count
        if sources > 1 {
            throw ValidationError("choose one of --runtime-command, --attach, --model-dir and --no-runtime")
        }
        if (runtimeCommand != nil || attach) && runtimeURL == nil {
            throw ValidationError("--runtime-command and --attach need --runtime-url (e.g. http://127.0.0.1:8000)")
        }
        if queueCapacity < 1 { throw ValidationError("--queue-capacity must be at least 1") }
        if startupTimeoutSeconds <= 0 { throw ValidationError("--startup-timeout must be positive") }
    }

    /// The runtime source the flags describe; nil for `--no-runtime`.
    package func source() throws -> RuntimeSource? {
        if noRuntime { return nil }
        if let runtimeCommand, let runtimeURL {
            return .launch(command: runtimeCommand, url: runtimeURL, tokenizerCommand: tokenizerCommand)
        }
        if attach, let runtimeURL { return .attach(url: runtimeURL) }
        if let modelDirectory { return .modelDirectory(path: modelDirectory) }
        let arguments = emulatorArguments.split(separator: " ").map(String.init)
        return .builtInEmulator(emulatorPath: try EmulatorLocator.locate(), arguments: arguments)
    }

    package var supervisorOptions: SupervisorOptions {
        SupervisorOptions(startupTimeout: .milliseconds(Int64(startupTimeoutSeconds * 1000)),
                          initialBackoff: .milliseconds(Int64(restartBackoffMilliseconds)))
    }
}
