/// The launch's own preflight checks on a model directory, run one by one so that `doctor` can
/// report every problem at once instead of stopping at the first, plus the facts further host
/// checks need (the runtime program, its arguments and environment, the ports).
public struct ModelDirectoryInspection: Sendable {
    public var directory: String
    public var checks: [PreflightCheck] = []
    /// The runtime program's path (or PATH name) when the manifest names one that exists.
    public var runtimeProgram: String?
    /// The runtime program is an ELF file for this CPU (so `ldd` can say something about it).
    public var runtimeIsNativeELF = false
    public var runtimeArguments: [String] = []
    /// `env` of the manifest, which both programs get.
    public var environment: [String: String] = [:]
    public var runtimeEndpoint: RuntimeEndpoint?
    public var tokenizerProgram: String?
    public var tokenizerArguments: [String] = []
    public var tokenizerEndpoint: RuntimeEndpoint?

    /// An inspection with no checks yet (`inspect` fills one in; tests build their own).
    public init(directory: String) {
        self.directory = directory
    }

    /// Runs the checks `--model-dir DIR` makes before a launch.
    public static func inspect(directory: String) -> ModelDirectoryInspection {
        let dir = ModelDirectoryLoader.absolutePath(directory)
        var result = ModelDirectoryInspection(directory: dir)
        guard FileInspection.isDirectory(dir) else {
            result.checks.append(PreflightCheck("model directory", .fail, "\(dir) does not exist or is not a directory",
                                                fix: "pass the folder that holds the vendor's model package"))
            return result
        }
        result.checks.append(PreflightCheck("model directory", .pass, dir))
        result.inspectManifest()
        result.inspectLFSPointers()
        result.inspectPostConfig()
        do {
            _ = try ModelDirectoryLoader.load(directory: dir)
            result.checks.append(PreflightCheck("launch preflight", .pass, "axrpc-server --model-dir \(dir) would launch"))
        } catch {
            result.checks.append(PreflightCheck("launch preflight", .fail, error.description,
                                                fix: "fix the failures above; this is the check the server makes at start"))
        }
        return result
    }

    private mutating func inspectManifest() {
        let path = directory + "/" + ModelManifest.fileName
        guard FileInspection.exists(path) else {
            checks.append(PreflightCheck("manifest", .fail, "no \(path)",
                                         fix: "run `axrpc-server init-model \(directory)` to write it from the vendor's run script"))
            return
        }
        let manifest: ModelManifest
        do {
            manifest = try JSONFile.decode(ModelManifest.self, at: path)
        } catch {
            checks.append(PreflightCheck("manifest", .fail, error.description,
                                         fix: "correct the key it names (every key: docs/hardware.md)"))
            return
        }
        checks.append(PreflightCheck("manifest", .pass, "\(path): model \"\(manifest.name)\", \(manifest.contextTokens) context tokens"))
        environment = manifest.env ?? [:]
        runtimeArguments = manifest.runtime.args ?? []
        runtimeEndpoint = try? RuntimeEndpoint(url: manifest.runtime.url ?? ModelManifest.defaultRuntimeURL)
        inspectRuntimeProgram(manifest.runtime.command, manifestPath: path)
        if let tokenizer = manifest.tokenizer {
            tokenizerArguments = tokenizer.args ?? []
            tokenizerEndpoint = try? RuntimeEndpoint(url: tokenizer.url ?? ModelManifest.defaultTokenizerURL)
            do {
                let command = try ModelDirectoryLoader.resolveCommand(tokenizer.command, in: directory, key: "tokenizer.command",
                                                                      manifestPath: path)
                tokenizerProgram = command
                checks.append(PreflightCheck("tokenizer program", .pass, command))
            } catch {
                checks.append(PreflightCheck("tokenizer program", .fail, error.description,
                                             fix: "install it (python3 for the vendor's tokenizer script) or correct \"tokenizer.command\""))
            }
        } else {
            checks.append(PreflightCheck("tokenizer program", .skip, "the manifest starts no tokenizer service",
                                         fix: "the legacy runtime needs one on --url_tokenizer_model; start it yourself or add \"tokenizer\""))
        }
    }

    private mutating func inspectRuntimeProgram(_ command: String, manifestPath: String) {
        let program: String
        do {
            program = try ModelDirectoryLoader.resolveCommand(command, in: directory, key: "runtime.command",
                                                              manifestPath: manifestPath)
        } catch {
            checks.append(PreflightCheck("runtime program", .fail, error.description,
                                         fix: "download the vendor's main_api_axcl_aarch64 into the model directory"))
            return
        }
        runtimeProgram = program
        do {
            try ModelDirectoryLoader.checkRuntimeProgram(program)
        } catch {
            checks.append(PreflightCheck("runtime program", .fail, error.description))
            return
        }
        var detail = program
        if case let .elf(machine) = FileInspection.kind(of: program) {
            detail += ": ELF for \(FileInspection.machineName(machine)), executable"
            runtimeIsNativeELF = true
        }
        checks.append(PreflightCheck("runtime program", .pass, detail))
    }

    private mutating func inspectLFSPointers() {
        let pointers = FileInspection.lfsPointers(in: directory)
        if pointers.isEmpty {
            checks.append(PreflightCheck("model files", .pass, "no Git LFS pointer files"))
        } else {
            checks.append(PreflightCheck("model files", .fail,
                                         "Git LFS pointer files instead of content: " + pointers.joined(separator: ", "),
                                         fix: "install git-lfs and run `git lfs pull` in \(directory)"))
        }
    }

    private mutating func inspectPostConfig() {
        let path = directory + "/" + ModelManifest.postConfigFileName
        do {
            let (defaults, warning) = try PostConfig.load(path: path)
            if let warning {
                checks.append(PreflightCheck("sampling defaults", .warn, warning))
            } else {
                checks.append(PreflightCheck("sampling defaults", .pass,
                                             "\(path): temperature \(defaults.temperature), top_k \(defaults.topK), top_p \(defaults.topP)"))
            }
        } catch {
            checks.append(PreflightCheck("sampling defaults", .fail, error.description))
        }
    }
}
