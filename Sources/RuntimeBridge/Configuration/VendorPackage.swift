import JSONText

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A vendor model package laid out like AXERA-TECH's Qwen3-4B (a `run_*_axcl_aarch64.sh` script,
/// the runtime binary, `post_config.json`, a `*tokenizer*.py` service) turned into the
/// `axrpc-model.json` that `--model-dir` reads: `axrpc-server init-model DIR`. The runtime's
/// command line is exactly the script's.
public struct VendorPackage: Sendable {
    /// What `init-model` writes and reports.
    public struct Result: Sendable {
        public var manifestPath: String
        public var manifestText: String
        public var script: VendorRunScript
        public var notes: [String]
    }

    /// Names a person may override on the command line.
    public struct Naming: Sendable {
        public var name: String?
        public var contextTokens: Int
        public var libraryPath: String
        public init(name: String? = nil, contextTokens: Int = 2048, libraryPath: String = "/usr/lib/axcl") {
            self.name = name
            self.contextTokens = contextTokens
            self.libraryPath = libraryPath
        }
    }

    /// Builds the manifest text for `directory`; `scriptName` picks one of several run scripts.
    public static func manifest(directory: String, scriptName: String? = nil,
                                naming: Naming = Naming()) throws(ConfigurationError) -> Result {
        let dir = ModelDirectoryLoader.absolutePath(directory)
        guard FileInspection.isDirectory(dir) else { throw .modelDirectoryNotFound(dir) }
        let scriptPath = try chooseScript(in: dir, named: scriptName)
        guard let bytes = FileInspection.contents(of: scriptPath) else {
            throw .invalidFile(scriptPath, "cannot be read (check its permissions)")
        }
        if bytes.starts(with: FileInspection.lfsPointerPrefix) { throw .lfsPointer(scriptPath, "the run script") }
        let script = try VendorRunScript.parse(String(decoding: bytes, as: UTF8.self), path: scriptPath)
        var notes: [String] = ["runtime command line from \(scriptPath)"]

        // post_config.json: read to fail early on a broken one (the server reads it at each start).
        let (_, warning) = try PostConfig.load(path: dir + "/" + ModelManifest.postConfigFileName)
        if let warning { notes.append(warning) }
        for flag in ["--live_print", "--continue", "--prompt"] where script.arguments.contains(flag) {
            notes.append("the script passes \(flag), which the legacy API runtime (main_api_*) rejects with "
                + "\"undefined option\"; remove it from runtime.args if the runtime exits at once")
        }
        let programName = script.program.split(separator: "/").last.map(String.init) ?? script.program
        if !programName.contains("api") {
            let apiBuilds = FileInspection.entries(of: dir).filter { $0.hasPrefix("main_api") }
            notes.append("the script runs \(programName), not the HTTP API build the server drives (main_api_*)"
                + (apiBuilds.isEmpty ? "; download main_api_axcl_aarch64 and set runtime.command to it"
                                     : "; set runtime.command to ./\(apiBuilds[0])"))
        }
        if script.value(of: "--devices") == nil {
            notes.append("the script has no --devices: M.2 card builds need it (\"need option: --devices\"); add e.g. \"--devices\", \"0\"")
        }

        let derived = derivedNames(from: dir)
        let name = naming.name ?? derived.name
        var fields: [(String, JSONText)] = [
            ("name", .string(name)),
            ("family", .string(derived.family)),
            ("parameter_size", .string(derived.size)),
            ("quantization", .string(quantization(scriptPath))),
            ("context_tokens", .number(naming.contextTokens)),
            ("env", .object([("LD_LIBRARY_PATH", .string(naming.libraryPath))])),
            ("runtime", .object([("command", .string(script.program)),
                                 ("args", .array(script.arguments.map(JSONText.string)))])),
        ]
        if let tokenizer = tokenizerScript(in: dir) {
            let url = script.value(of: "--url_tokenizer_model") ?? ModelManifest.defaultTokenizerURL
            let endpoint = try RuntimeEndpoint(url: url)
            fields.append(("tokenizer", .object([
                ("command", .string("python3")),
                ("args", .array([tokenizer, "--host", endpoint.host, "--port", "\(endpoint.port)"].map(JSONText.string))),
                ("url", .string(endpoint.url)),
            ])))
            notes.append("tokenizer service: python3 \(tokenizer) on \(endpoint.url) (needs transformers and jinja2)")
        } else {
            notes.append("no *tokenizer*.py in \(dir): start the tokenizer service yourself before the server")
        }
        notes.append("context_tokens \(naming.contextTokens): the KV cache size; pass --context-tokens if the package differs")
        return Result(manifestPath: dir + "/" + ModelManifest.fileName,
                      manifestText: JSONText.object(fields).rendered(indent: 0) + "\n",
                      script: script, notes: notes)
    }

    static func chooseScript(in dir: String, named: String?) throws(ConfigurationError) -> String {
        if let named {
            let path = named.contains("/") ? named : dir + "/" + named
            guard FileInspection.exists(path) else { throw .invalidFile(path, "does not exist") }
            return path
        }
        let scripts = FileInspection.entries(of: dir).filter {
            $0.hasPrefix("run_") && $0.hasSuffix(".sh") && $0.contains("axcl_aarch64")
        }
        if scripts.count == 1 { return dir + "/" + scripts[0] }
        // Several: the API build's script is the one the server can drive.
        let api = scripts.filter { $0.contains("api") }
        if api.count == 1 { return dir + "/" + api[0] }
        if scripts.isEmpty {
            throw .invalidFile(dir, "no run_*_axcl_aarch64.sh script: is this the vendor's model package for the M.2 card (axcl)?")
        }
        throw .invalidFile(dir, "several run scripts (\(scripts.joined(separator: ", "))): choose one with --script NAME")
    }

    static func tokenizerScript(in dir: String) -> String? {
        let candidates = FileInspection.entries(of: dir).filter { $0.hasSuffix(".py") && $0.contains("tokenizer") }
        return candidates.first { $0.contains("uid") } ?? candidates.first
    }

    /// "Qwen3-4B" -> name "qwen3:4b", family "qwen3", size "4B"; otherwise the folder name.
    static func derivedNames(from dir: String) -> (name: String, family: String, size: String) {
        let base = dir.split(separator: "/").last.map(String.init) ?? "model"
        if let dash = base.lastIndex(of: "-") {
            let family = String(base[..<dash]).lowercased()
            let size = String(base[base.index(after: dash)...])
            let digits = size.dropLast()
            if let unit = size.last, "bBmM".contains(unit), !digits.isEmpty,
               digits.allSatisfy({ $0.isNumber || $0 == "." }), !family.isEmpty {
                return ("\(family):\(size.lowercased())", family, size.uppercased())
            }
        }
        return (base.lowercased(), "", "")
    }

    /// The precision word of the script's name (`int8`, `int4`, `w8a16`), "" when none.
    static func quantization(_ scriptPath: String) -> String {
        let name = scriptPath.split(separator: "/").last.map(String.init) ?? ""
        for word in name.split(whereSeparator: { $0 == "_" || $0 == "." }) {
            let text = word.lowercased()
            if text.hasPrefix("int") && text.dropFirst(3).allSatisfy(\.isNumber) && text.count > 3 { return text }
            if text.hasPrefix("w") && text.contains("a") && text.dropFirst().allSatisfy({ $0.isNumber || $0 == "a" }) {
                return text
            }
        }
        return ""
    }

    /// Writes the manifest file; refuses to replace an existing one unless `overwrite`.
    public static func save(_ result: Result, overwrite: Bool) throws(ConfigurationError) {
        if FileInspection.exists(result.manifestPath) && !overwrite {
            throw .invalidFile(result.manifestPath, "already exists; pass --force to replace it")
        }
        let fd = open(result.manifestPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .invalidFile(result.manifestPath, "cannot be written: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(result.manifestText.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw .invalidFile(result.manifestPath, "cannot be written: \(String(cString: strerror(errno)))")
            }
            written += count
        }
    }
}

/// A small JSON writer that keeps the key order a person expects to read (name first, runtime
/// before tokenizer) and puts each argument array on one line per flag-sized item.
enum JSONText: Sendable {
    case string(String)
    case number(Int)
    case array([JSONText])
    case object([(String, JSONText)])

    func rendered(indent: Int) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch self {
        case let .string(text):
            return Self.quoted(text)
        case let .number(value):
            return "\(value)"
        case let .array(items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n\(closing)]"
        case let .object(fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { pad + Self.quoted($0.0) + ": " + $0.1.rendered(indent: indent + 1) }
                .joined(separator: ",\n") + "\n\(closing)}"
        }
    }

    static func quoted(_ text: String) -> String { JSONString.quoted(text) }
}
