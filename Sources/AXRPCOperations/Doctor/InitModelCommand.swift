import ArgumentParser
import RuntimeBridge

/// `axrpc-server init-model DIR`: writes `DIR/axrpc-model.json` from the vendor package's run
/// script (exactly its runtime command line), `post_config.json` and tokenizer script, then runs
/// the launch preflight on the result.
package struct InitModelCommand: ParsableCommand {
    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "init-model",
        abstract: "Write DIR/axrpc-model.json from a vendor model package (run_*_axcl_aarch64.sh, post_config.json).",
        usage: "axrpc-server init-model <directory> [--script <name>] [--name <name>] [--context-tokens <n>] [--force] [--dry-run]")

    @Argument(help: "The vendor model package folder, e.g. a clone of AXERA-TECH/Qwen3-4B.")
    package var directory: String

    @Option(help: "The run script to read when the package has several.")
    package var script: String?

    @Option(help: "The model name clients use (default: from the folder, Qwen3-4B -> qwen3:4b).")
    package var name: String?

    @Option(name: .customLong("context-tokens"), help: "The KV cache size in tokens.")
    package var contextTokens = 2048

    @Option(name: .customLong("library-path"), help: "LD_LIBRARY_PATH for the runtime (the axcl libraries).")
    package var libraryPath = "/usr/lib/axcl"

    @Flag(help: "Replace an existing axrpc-model.json.")
    package var force = false

    @Flag(name: .customLong("dry-run"), help: "Print the manifest instead of writing it.")
    package var dryRun = false

    package func validate() throws {
        guard contextTokens > 0 else { throw ValidationError("--context-tokens must be positive") }
    }

    package func run() throws {
        let result: VendorPackage.Result
        do {
            result = try VendorPackage.manifest(directory: directory, scriptName: script,
                                                naming: .init(name: name, contextTokens: contextTokens, libraryPath: libraryPath))
            if !dryRun { try VendorPackage.save(result, overwrite: force) }
        } catch {
            throw ValidationError(error.description)
        }
        if dryRun {
            print(result.manifestText, terminator: "")
            return
        }
        print("wrote \(result.manifestPath)")
        for note in result.notes { print("note: \(note)") }
        let inspection = ModelDirectoryInspection.inspect(directory: directory)
        if let failure = inspection.checks.first(where: { $0.outcome == .fail }) {
            print("the model directory is not ready yet: \(failure.name): \(failure.detail)")
            print("run `axrpc-server doctor --model-dir \(directory)` for every check")
            throw ExitCode.failure
        }
        print("ready: axrpc-server --model-dir \(directory)")
    }
}
