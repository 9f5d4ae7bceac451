/// Why a runtime configuration could not be built. Every message names the file or value at
/// fault and says what to do, because the person reading it is setting up a model directory.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A runtime or tokenizer URL that cannot be used.
    case invalidURL(String, String)
    /// `--model-dir` does not exist or is not a directory.
    case modelDirectoryNotFound(String)
    /// The manifest is missing; the associated value is its expected path.
    case manifestMissing(String)
    /// The manifest (or `post_config.json`) is not valid: path, problem.
    case invalidFile(String, String)
    /// A file is a Git LFS pointer instead of its content: path, what the file is for.
    case lfsPointer(String, String)
    /// Several files of a model directory are Git LFS pointers.
    case lfsPointers(directory: String, files: [String])
    /// The runtime program cannot be run: path, problem.
    case badExecutable(String, String)
    /// No `axllm-emulator` was found: the places searched.
    case emulatorNotFound([String])

    public var description: String {
        switch self {
        case let .invalidURL(url, problem):
            return "invalid runtime URL \"\(url)\": \(problem)"
        case let .modelDirectoryNotFound(path):
            return "model directory \(path) does not exist or is not a directory"
        case let .manifestMissing(path):
            return "no model manifest at \(path): create it to describe the model and how to start its runtime, "
                + "at least {\"name\": \"qwen3:4b\", \"context_tokens\": 2048, \"runtime\": {\"command\": "
                + "\"./main_api_axcl_aarch64\", \"args\": [...]}} (all keys: the axrpc-model.json format in the README)"
        case let .invalidFile(path, problem):
            return "\(path): \(problem)"
        case let .lfsPointer(path, role):
            return "\(path) (\(role)) is a Git LFS pointer file, not the real content: the repository was cloned "
                + "without Git LFS. Install git-lfs and run `git lfs pull` in the model directory "
                + "(or download the file directly)"
        case let .lfsPointers(directory, files):
            return "these files in \(directory) are Git LFS pointer files, not the real content: "
                + files.joined(separator: ", ")
                + ". The repository was cloned without Git LFS: install git-lfs and run `git lfs pull` there"
        case let .badExecutable(path, problem):
            return "cannot run \(path): \(problem)"
        case let .emulatorNotFound(searched):
            return "the built-in emulator `axllm-emulator` was not found (looked in: "
                + searched.joined(separator: ", ")
                + "); build it with `swift build --product axllm-emulator` next to axrpc-server, or put it on PATH"
        }
    }
}
