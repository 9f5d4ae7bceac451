
/// The `--config FILE` format: one `key = value` per line, keys being the server's flag names
/// without `--` (`grpc-port = 50051`). `#` starts a comment on its own line or, after a space, at
/// the end of an unquoted value; a value in double quotes keeps `#` and spaces (`\"` and `\\`
/// escape). Chosen over JSON or YAML because it needs no parser dependency, reads like the
/// command line it stands for, and fits a Kubernetes ConfigMap or /etc unchanged.
package struct ConfigurationFile: Sendable, Equatable {
    /// One `key = value` line.
    package struct Entry: Sendable, Equatable {
        package let key: String
        package let value: String
        package let line: Int
    }

    package let path: String
    package let entries: [Entry]

    /// Parses `text` (read from `path`, which errors name). Unknown and repeated keys are errors:
    /// a misspelt key silently ignored is the worst kind of configuration bug.
    package static func parse(_ text: String, path: String) throws(ConfigurationSourceError) -> ConfigurationFile {
        var entries: [Entry] = []
        var seen: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = ConfigurationFile.trimmed(Substring(rawLine))
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw .file(path: path, line: number, key: nil, problem: "expected `key = value`, found \"\(line)\"")
            }
            var key = ConfigurationFile.trimmed(line[..<equals])
            if key.hasPrefix("--") { key = String(key.dropFirst(2)) }
            guard !key.isEmpty else {
                throw .file(path: path, line: number, key: nil, problem: "no key before \"=\"")
            }
            guard ServerSetting.named(key) != nil else {
                throw .file(path: path, line: number, key: key,
                            problem: "unknown key (known keys: \(ServerSetting.all.map(\.name).joined(separator: ", ")))")
            }
            if let earlier = seen[key] {
                throw .file(path: path, line: number, key: key, problem: "set twice (first on line \(earlier))")
            }
            seen[key] = number
            let value: String
            do {
                value = try ConfigurationFile.value(line[line.index(after: equals)...])
            } catch {
                throw .file(path: path, line: number, key: key, problem: error.text)
            }
            entries.append(Entry(key: key, value: value, line: number))
        }
        return ConfigurationFile(path: path, entries: entries)
    }

    /// The text after `=`: a quoted string, or the rest of the line up to a ` #` comment.
    private static func value(_ raw: Substring) throws(ServerSetting.ValueProblem) -> String {
        let text = Substring(trimmed(raw))
        guard text.hasPrefix("\"") else {
            var end = text.endIndex
            var index = text.startIndex
            while index < text.endIndex {
                if text[index] == "#", index > text.startIndex, text[text.index(before: index)].isWhitespace {
                    end = index
                    break
                }
                index = text.index(after: index)
            }
            return trimmed(text[..<end])
        }
        var result = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == "\\" {
                let next = text.index(after: index)
                guard next < text.endIndex else { break }
                result.append(text[next])
                index = text.index(after: next)
                continue
            }
            if character == "\"" {
                let rest = trimmed(text[text.index(after: index)...])
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    throw ServerSetting.ValueProblem("unexpected text after the closing quote: \"\(rest)\"")
                }
                return result
            }
            result.append(character)
            index = text.index(after: index)
        }
        throw ServerSetting.ValueProblem("the opening double quote is never closed")
    }

    package static func trimmed(_ text: Substring) -> String {
        var text = text
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
