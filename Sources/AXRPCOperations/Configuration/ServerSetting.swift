
/// One `axrpc-server` flag as the configuration file and the environment name it: `grpc-port` in
/// the file, `AXRPC_GRPC_PORT` in the environment, `--grpc-port` on the command line.
package struct ServerSetting: Sendable, Equatable {
    /// How a value is checked and turned into an argument.
    package enum Kind: Sendable, Equatable {
        /// `--flag VALUE`
        case text
        case integer
        case number
        /// `--flag` alone: set by true/false, yes/no, on/off, 1/0.
        case switchFlag
        /// A repeatable `--flag VALUE`: comma-separated values, each one flag. Values from every
        /// source add up (the command line's come on top).
        case list
    }

    package let name: String
    package let kind: Kind

    package var flag: String { "--" + name }

    package var environmentVariable: String {
        "AXRPC_" + name.uppercased().replacing("-", with: "_")
    }

    /// Checks a value from a file or the environment before it becomes an argument, so the error
    /// can name where the value came from. Returns the argument value (nil: switch off).
    package func check(_ raw: String) -> Result<String?, ValueProblem> {
        switch kind {
        case .text, .list:
            return .success(raw)
        case .integer:
            return Int(raw) != nil ? .success(raw) : .failure(ValueProblem("\"\(raw)\" is not a whole number"))
        case .number:
            guard let value = Double(raw), value.isFinite else {
                return .failure(ValueProblem("\"\(raw)\" is not a number"))
            }
            return .success(raw)
        case .switchFlag:
            switch raw.lowercased() {
            case "true", "yes", "on", "1": return .success("")
            case "false", "no", "off", "0": return .success(nil)
            default: return .failure(ValueProblem("\"\(raw)\" is not true or false"))
            }
        }
    }

    /// What is wrong with a value, in words.
    package struct ValueProblem: Error, Equatable {
        package let text: String
        package init(_ text: String) { self.text = text }
    }

    /// Every flag of `axrpc-server` that may come from a file or the environment. A unit test
    /// checks this list against `--help`, so a new flag cannot be forgotten here.
    package static let all: [ServerSetting] = [
        ServerSetting(name: "host", kind: .text),
        ServerSetting(name: "grpc-port", kind: .integer),
        ServerSetting(name: "drain-timeout", kind: .number),
        // The old name of drain-timeout, still read so that existing files keep working.
        ServerSetting(name: "shutdown-grace-seconds", kind: .number),
        ServerSetting(name: "log-level", kind: .text),
        ServerSetting(name: "log-format", kind: .text),
        ServerSetting(name: "runtime-command", kind: .text),
        ServerSetting(name: "runtime-url", kind: .text),
        ServerSetting(name: "attach", kind: .switchFlag),
        ServerSetting(name: "model-dir", kind: .text),
        ServerSetting(name: "tokenizer-command", kind: .text),
        ServerSetting(name: "emulator-args", kind: .text),
        ServerSetting(name: "queue-capacity", kind: .integer),
        ServerSetting(name: "startup-timeout", kind: .number),
        ServerSetting(name: "restart-backoff-ms", kind: .integer),
        ServerSetting(name: "no-runtime", kind: .switchFlag),
        ServerSetting(name: "idle-reset", kind: .text),
        ServerSetting(name: "http-port", kind: .integer),
        ServerSetting(name: "cors-origin", kind: .list),
        ServerSetting(name: "liveness-grace-seconds", kind: .number),
        ServerSetting(name: "exit-on-runtime-failure", kind: .switchFlag),
        ServerSetting(name: "tls-cert", kind: .text),
        ServerSetting(name: "tls-key", kind: .text),
        ServerSetting(name: "tls-client-ca", kind: .text),
        ServerSetting(name: "api-key-file", kind: .text),
        ServerSetting(name: "metrics-require-key", kind: .switchFlag),
        ServerSetting(name: "max-connections", kind: .integer),
        ServerSetting(name: "max-concurrent-streams", kind: .integer),
        ServerSetting(name: "max-message-bytes", kind: .integer),
        ServerSetting(name: "max-header-list-bytes", kind: .integer),
        ServerSetting(name: "max-body-bytes", kind: .integer),
        ServerSetting(name: "first-request-timeout-seconds", kind: .number),
        ServerSetting(name: "idle-timeout-seconds", kind: .number),
        ServerSetting(name: "max-prompt-bytes", kind: .integer),
        ServerSetting(name: "max-chat-messages", kind: .integer),
    ]

    package static func named(_ name: String) -> ServerSetting? {
        all.first { $0.name == name }
    }

    /// The flags that are about finding the configuration itself, never read from it.
    package static let configFileFlag = "--config"
    package static let configFileVariable = "AXRPC_CONFIG"
}
