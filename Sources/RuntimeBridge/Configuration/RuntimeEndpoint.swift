/// Where a runtime (or its tokenizer service) listens: the host and port of an `http://` URL.
/// The supervisor only needs these two to probe readiness with a TCP connect.
public struct RuntimeEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `http://HOST:PORT`, `http://HOST` (port 80), `HOST:PORT` or `http://[::1]:PORT`.
    /// A path after the authority is ignored (the runtime's API lives at the root).
    public init(url: String) throws(ConfigurationError) {
        var rest = Substring(ConfigurationText.trimmed(url))
        if let range = rest.firstRange(of: "://") {
            let scheme = rest[..<range.lowerBound].lowercased()
            guard scheme == "http" else {
                throw .invalidURL(url, "only http:// is supported (the runtime speaks plain HTTP/1.1)")
            }
            rest = rest[range.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard !rest.isEmpty else { throw .invalidURL(url, "no host") }

        let hostPart: Substring
        var portPart: Substring?
        if rest.hasPrefix("[") {
            // IPv6 literal: [addr]:port
            guard let close = rest.firstIndex(of: "]") else { throw .invalidURL(url, "unterminated [ in the host") }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty {
                throw .invalidURL(url, "unexpected text after the host")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        } else {
            hostPart = rest
        }
        guard !hostPart.isEmpty else { throw .invalidURL(url, "no host") }
        let port: Int
        if let portPart {
            guard let value = Int(portPart), (1...65535).contains(value) else {
                throw .invalidURL(url, "the port must be a number from 1 to 65535")
            }
            port = value
        } else {
            port = 80
        }
        self.init(host: String(hostPart), port: port)
    }

    /// `http://host:port`, bracketing IPv6 literals.
    public var url: String {
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    public var description: String { url }
}

/// Text helpers for configuration values, without Foundation.
enum ConfigurationText {
    static func trimmed(_ text: String) -> String {
        var scalars = Substring(text)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
