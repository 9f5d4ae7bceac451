
/// A value from the configuration file or the environment that cannot be used. The message
/// names the file, line and key (or the variable), because that is what the reader must edit.
package enum ConfigurationSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadableFile(path: String, problem: String)
    case file(path: String, line: Int, key: String?, problem: String)
    case environment(variable: String, problem: String)

    package var description: String {
        switch self {
        case let .unreadableFile(path, problem):
            return "cannot read the config file \(path): \(problem)"
        case let .file(path, line, key, problem):
            let keyText = key.map { ", key \"\($0)\"" } ?? ""
            return "config file \(path), line \(line)\(keyText): \(problem)"
        case let .environment(variable, problem):
            return "environment variable \(variable): \(problem)"
        }
    }
}
