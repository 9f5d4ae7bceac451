#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the `axllm-emulator` program: first next to the running server (SwiftPM builds both
/// products into the same folder), then on PATH.
public enum EmulatorLocator {
    public static let executableName = "axllm-emulator"

    /// The emulator's path, or `ConfigurationError.emulatorNotFound` listing where it looked.
    public static func locate() throws(ConfigurationError) -> String {
        var searched: [String] = []
        if let folder = runningExecutableFolder() {
            let candidate = folder + "/" + executableName
            if FileInspection.isExecutable(candidate) { return candidate }
            searched.append(folder)
        }
        if let onPath = ExecutableSearch.onPath(executableName) { return onPath }
        searched.append("PATH")
        throw .emulatorNotFound(searched)
    }

    /// The folder of the running executable (`/proc/self/exe` on Linux, argv[0] otherwise).
    static func runningExecutableFolder() -> String? {
        var path: String?
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        #endif
        if path == nil, let first = CommandLine.arguments.first, first.contains("/") {
            path = ModelDirectoryLoader.absolutePath(first)
        }
        guard let path, let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
