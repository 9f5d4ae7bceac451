
/// The server's command line with the configuration file's and the environment's settings put in
/// front of it, so that swift-argument-parser stays the one place that parses, defaults, helps
/// and validates. Precedence: flag > `AXRPC_*` variable > file > default. For each setting only
/// the winning source is passed on, so a `false` from a stronger source can switch off a flag that
/// a weaker one set.
///
/// Written by hand rather than with apple/swift-configuration: that package would add four
/// package dependencies (and swift-tools 6.1 traits) to read what is a flat list of flags, and it
/// would bypass argument-parser's help and validation, which this keeps.
package struct LayeredArguments: Sendable, Equatable {
    /// What argument-parser should parse.
    package let arguments: [String]
    /// Where each flag that did not come from the command line came from, for error messages.
    package let origins: [String: String]

    package static func build(commandLine: [String], environment: [String: String],
                      readFile: (String) throws(ConfigurationSourceError) -> String) throws(ConfigurationSourceError) -> LayeredArguments {
        var file: ConfigurationFile?
        if let path = configPath(commandLine: commandLine, environment: environment) {
            file = try ConfigurationFile.parse(try readFile(path), path: path)
        }
        var prefix: [String] = []
        var origins: [String: String] = [:]
        for setting in ServerSetting.all where !onCommandLine(setting, commandLine) {
            let raw: String
            let origin: String
            let failure: (String) -> ConfigurationSourceError
            if let value = environment[setting.environmentVariable], !value.isEmpty {
                raw = value
                origin = "environment variable \(setting.environmentVariable)"
                failure = { .environment(variable: setting.environmentVariable, problem: $0) }
            } else if let file, let entry = file.entries.first(where: { $0.key == setting.name }) {
                raw = entry.value
                origin = "config file \(file.path), line \(entry.line), key \"\(setting.name)\""
                failure = { .file(path: file.path, line: entry.line, key: setting.name, problem: $0) }
            } else {
                continue
            }
            switch setting.check(raw) {
            case let .failure(problem):
                throw failure(problem.text)
            case .success(nil):
                continue
            case let .success(value?) where setting.kind == .list:
                let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                prefix += items.filter { !$0.isEmpty }.map { "\(setting.flag)=\($0)" }
                origins[setting.flag] = origin
            case let .success(value?):
                prefix.append(setting.kind == .switchFlag ? setting.flag : "\(setting.flag)=\(value)")
                origins[setting.flag] = origin
            }
        }
        return LayeredArguments(arguments: prefix + commandLine, origins: origins)
    }

    /// `--config FILE` / `--config=FILE`, else `AXRPC_CONFIG`.
    package static func configPath(commandLine: [String], environment: [String: String]) -> String? {
        for (index, argument) in commandLine.enumerated() {
            if argument == ServerSetting.configFileFlag, index + 1 < commandLine.count { return commandLine[index + 1] }
            if argument.hasPrefix(ServerSetting.configFileFlag + "=") {
                return String(argument.dropFirst(ServerSetting.configFileFlag.count + 1))
            }
        }
        if let path = environment[ServerSetting.configFileVariable], !path.isEmpty { return path }
        return nil
    }

    private static func onCommandLine(_ setting: ServerSetting, _ commandLine: [String]) -> Bool {
        commandLine.contains { $0 == setting.flag || $0.hasPrefix(setting.flag + "=") }
    }

    /// The origins of the flags a parser or validation message mentions, e.g.
    /// "--queue-capacity must be at least 1" -> ["--queue-capacity: config file ..., key ..."].
    package func originsMentioned(in message: String) -> [String] {
        origins.keys.sorted().compactMap { flag in
            var searchStart = message.startIndex
            while let range = message[searchStart...].firstRange(of: flag) {
                let after = range.upperBound
                let boundary = after == message.endIndex || !(message[after].isLetter || message[after] == "-")
                if boundary, let origin = origins[flag] { return "\(flag) came from the \(origin)" }
                searchStart = after
            }
            return nil
        }
    }
}
