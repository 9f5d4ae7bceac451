/// The command line of a vendor run script such as AXERA-TECH's
/// `run_qwen3_4b_int8_ctx_axcl_aarch64.sh`: a `./main_..._axcl_aarch64 \` line followed by one
/// `--flag value \` line per option. Read with the shell's word rules (quotes, backslashes,
/// line continuations), never executed.
public struct VendorRunScript: Sendable, Equatable {
    public var path: String
    public var program: String
    public var arguments: [String]

    /// The command in `text` that starts a `main*` program (the runtime); `path` is for errors.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> VendorRunScript {
        // Backslash-newline joins lines, as in the shell.
        let joined = text.replacing("\\\r\n", with: " ").replacing("\\\n", with: " ")
        for rawLine in joined.split(separator: "\n") {
            let line = ConfigurationText.trimmed(String(rawLine))
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = try ShellWords.split(line, path: path)
            guard let first = words.first else { continue }
            let name = first.split(separator: "/").last.map(String.init) ?? first
            if name.hasPrefix("main") {
                return VendorRunScript(path: path, program: first, arguments: Array(words.dropFirst()))
            }
        }
        throw .invalidFile(path, "no command starting a main_* runtime program (e.g. ./main_api_axcl_aarch64 --devices 0 ...)")
    }

    /// The value of `--flag VALUE` in the arguments.
    public func value(of flag: String) -> String? {
        guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }
}

/// POSIX shell word splitting for one line: whitespace separates, '...' is literal, "..." keeps
/// spaces with `\` escaping `"`, `\`, `$` and a backquote, a bare `\` escapes the next character.
/// `$VAR` and other expansions are not performed (the vendor scripts use none).
enum ShellWords {
    static func split(_ line: String, path: String) throws(ConfigurationError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = Array(line).makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            case "#" where !inWord:
                return words
            case "'":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "'" { closed = true; break }
                    current.append(next)
                }
                guard closed else { throw .invalidFile(path, "unterminated ' in: \(line)") }
            case "\"":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "\"" { closed = true; break }
                    if next == "\\", let escaped = iterator.next() {
                        if !"\"\\$`".contains(escaped) { current.append("\\") }
                        current.append(escaped)
                        continue
                    }
                    current.append(next)
                }
                guard closed else { throw .invalidFile(path, "unterminated \" in: \(line)") }
            case "\\":
                inWord = true
                if let next = iterator.next() { current.append(next) }
            default:
                inWord = true
                current.append(character)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
