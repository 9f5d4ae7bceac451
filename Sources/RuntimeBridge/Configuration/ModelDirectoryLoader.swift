#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns `--model-dir DIR` into a model configuration and a launch plan, checking up front what
/// would otherwise fail minutes into a model load.
public enum ModelDirectoryLoader {
    public static func load(directory: String) throws(ConfigurationError) -> ResolvedRuntime {
        let dir = absolutePath(directory)
        guard FileInspection.isDirectory(dir) else { throw .modelDirectoryNotFound(dir) }
        let manifestPath = dir + "/" + ModelManifest.fileName
        guard FileInspection.exists(manifestPath) else { throw .manifestMissing(manifestPath) }
        let manifest = try JSONFile.decode(ModelManifest.self, at: manifestPath)
        try validate(manifest, path: manifestPath)

        let runtimeCommand = try resolveCommand(manifest.runtime.command, in: dir, key: "runtime.command",
                                                manifestPath: manifestPath)
        try checkRuntimeProgram(runtimeCommand)
        let pointers = FileInspection.lfsPointers(in: dir).filter { $0 != runtimeCommand }
        guard pointers.isEmpty else { throw .lfsPointers(directory: dir, files: pointers) }

        let environment = manifest.env ?? [:]
        let runtime = ProcessSpec(
            role: "runtime",
            invocation: .program(runtimeCommand, arguments: manifest.runtime.args ?? []),
            workingDirectory: dir, environment: environment,
            endpoint: try RuntimeEndpoint(url: manifest.runtime.url ?? ModelManifest.defaultRuntimeURL))
        var tokenizer: ProcessSpec?
        if let program = manifest.tokenizer {
            let command = try resolveCommand(program.command, in: dir, key: "tokenizer.command",
                                             manifestPath: manifestPath)
            tokenizer = ProcessSpec(
                role: "tokenizer", invocation: .program(command, arguments: program.args ?? []),
                workingDirectory: dir, environment: environment,
                endpoint: try RuntimeEndpoint(url: program.url ?? ModelManifest.defaultTokenizerURL))
        }

        let (sampling, warning) = try PostConfig.load(path: dir + "/" + ModelManifest.postConfigFileName)
        let descriptor = ModelDescriptor(
            name: manifest.name, family: manifest.family ?? "", parameterSize: manifest.parameterSize ?? "",
            quantization: manifest.quantization ?? "", contextLength: manifest.contextTokens,
            emulated: false, isDefault: true)
        var model = ModelConfiguration(descriptor: descriptor, samplingDefaults: sampling,
                                       contextTokens: manifest.contextTokens)
        if let prompt = manifest.systemPrompt { model.defaultSystemPrompt = prompt }
        return ResolvedRuntime(model: model,
                               plan: RuntimePlan(mode: .launch(runtime: runtime, tokenizer: tokenizer)),
                               warnings: warning.map { [$0] } ?? [])
    }

    private static func validate(_ manifest: ModelManifest, path: String) throws(ConfigurationError) {
        guard !ConfigurationText.trimmed(manifest.name).isEmpty else { throw .invalidFile(path, "\"name\" is empty") }
        guard manifest.contextTokens > 0 else {
            throw .invalidFile(path, "\"context_tokens\" must be positive (the KV cache size, 2048 for Qwen3-4B)")
        }
        guard !ConfigurationText.trimmed(manifest.runtime.command).isEmpty else {
            throw .invalidFile(path, "\"runtime.command\" is empty")
        }
        if let tokenizer = manifest.tokenizer, ConfigurationText.trimmed(tokenizer.command).isEmpty {
            throw .invalidFile(path, "\"tokenizer.command\" is empty")
        }
        for name in (manifest.env ?? [:]).keys where name.isEmpty || name.contains("=") || name.contains("\0") {
            throw .invalidFile(path, "\"env\" has an invalid variable name \"\(name)\"")
        }
    }

    /// A path with "/" is relative to DIR; a bare name is DIR's file if there is one, else PATH's.
    static func resolveCommand(_ command: String, in dir: String, key: String,
                               manifestPath: String) throws(ConfigurationError) -> String {
        if command.contains("/") {
            let path = command.hasPrefix("/") ? command : join(dir, command)
            guard FileInspection.exists(path) else {
                throw .invalidFile(manifestPath, "\"\(key)\": \(path) does not exist")
            }
            return path
        }
        let local = dir + "/" + command
        if FileInspection.exists(local) { return local }
        guard ExecutableSearch.onPath(command) != nil else {
            throw .invalidFile(manifestPath, "\"\(key)\": \"\(command)\" is neither a file in \(dir) nor a program on PATH")
        }
        return command
    }

    /// The binary must be real (not an LFS pointer), executable, and built for this CPU.
    static func checkRuntimeProgram(_ path: String) throws(ConfigurationError) {
        guard path.contains("/") else { return } // found on PATH: the system's business
        switch FileInspection.kind(of: path) {
        case .missing:
            throw .badExecutable(path, "it does not exist")
        case .directory:
            throw .badExecutable(path, "it is a directory")
        case .lfsPointer:
            throw .lfsPointer(path, "the runtime program")
        case let .elf(machine):
            if let host = FileInspection.hostMachine, machine != host {
                throw .badExecutable(path, "it is built for \(FileInspection.machineName(machine)) but this machine is "
                    + "\(FileInspection.machineName(host)); run the server on the AX650 host, or use the emulator")
            }
        case .script:
            break
        case .other:
            #if os(Linux)
            throw .badExecutable(path, "it is neither an ELF program nor a #! script (a truncated download?)")
            #else
            break
            #endif
        }
        guard FileInspection.isExecutable(path) else {
            throw .badExecutable(path, "it is not executable; run `chmod +x \(path)`")
        }
    }

    /// `dir/relative`, without the "./" segments that make paths in logs and errors noisy.
    static func join(_ dir: String, _ relative: String) -> String {
        var rest = Substring(relative)
        while rest.hasPrefix("./") { rest = rest.dropFirst(2).drop { $0 == "/" } }
        return rest.isEmpty ? dir : dir + "/" + rest
    }

    static func absolutePath(_ path: String) -> String {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !trimmed.hasPrefix("/") else { return trimmed }
        guard let cwd = getcwd(nil, 0) else { return trimmed }
        defer { free(cwd) }
        let base = String(cString: cwd)
        return join(base, trimmed == "." ? "" : trimmed)
    }
}

/// PATH lookup, as `execvp` would do it.
enum ExecutableSearch {
    static func onPath(_ name: String, path: String? = nil) -> String? {
        let searchPath = path ?? (getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin")
        for dir in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = dir + "/" + name
            if FileInspection.isExecutable(candidate) { return candidate }
        }
        return nil
    }
}
