import AXRPCFrontEnd

/// Reads the bearer keys from `--api-key-file` and `AXRPC_API_KEY`.
///
/// The environment variable is not a flag on purpose: a key on the command line would be visible
/// to every user of the machine in `ps`.
package enum APIKeyLoader {
    package static let environmentVariable = "AXRPC_API_KEY"

    /// One key per line; blank lines and lines starting with `#` are skipped, surrounding
    /// whitespace is not part of a key. Problems are described for the operator.
    package static func parse(_ text: String, path: String) throws(APIKeyFileError) -> [String] {
        var keys: [String] = []
        // isNewline: "\r\n" is one Character in Swift, so splitting on "\n" alone would miss it.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = trimmed(rawLine)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard !line.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw APIKeyFileError(message: "\(path), line \(index + 1): a key cannot contain spaces; put one key per line")
            }
            guard line.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw APIKeyFileError(message: "\(path), line \(index + 1): a key must be printable ASCII (it travels in an HTTP header)")
            }
            keys.append(line)
        }
        return keys
    }

    /// The keys of the file (when given) and the environment variable (when set and not empty).
    /// A key file without any key is an error: the operator asked for authentication.
    package static func load(file: String?, environment: [String: String]) throws(APIKeyFileError) -> APIKeySet {
        var keys: [String] = []
        if let file {
            let text: String
            do {
                text = try SmallTextFile.contents(of: file)
            } catch {
                throw APIKeyFileError(message: "cannot read --api-key-file: \(error)")
            }
            keys = try parse(text, path: file)
            if keys.isEmpty {
                throw APIKeyFileError(message: "--api-key-file \(file) holds no key (one per line, # starts a comment)")
            }
        }
        if let value = environment[environmentVariable].map(trimmed), !value.isEmpty {
            keys += try parse(value, path: environmentVariable)
        }
        return APIKeySet(keys)
    }

    /// Without spaces, tabs and carriage returns at either end (files written on Windows).
    private static func trimmed(_ text: some StringProtocol) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        return String(text.drop(while: isBlank).reversed().drop(while: isBlank).reversed())
    }
}

/// The key file or variable cannot be used; the message names the file and line.
package struct APIKeyFileError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
