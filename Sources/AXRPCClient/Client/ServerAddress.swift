/// A server to dial, parsed from `HOST:PORT` (the CLI's `--addr`). IPv6 literals go in brackets
/// (`[::1]:50051`) so that the last colon is unambiguous; a missing port means `defaultPort`.
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    public static let defaultPort = 50051

    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// nil for an empty host, a port outside 1-65535, text after a bracketed host that is not
    /// `:PORT`, or an unbracketed IPv6 literal with a port (which colon would be the port's?).
    public init?(parsing text: some StringProtocol) {
        let text = String(text)
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            // `::1` alone is a host, not host ":" + port "1".
            if host.contains(":") { return nil }
        } else {
            host = Substring(text)
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
        var port = Self.defaultPort
        if let portText {
            guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(portText), (1...65535).contains(value) else {
                return nil
            }
            port = value
        }
        self.init(host: String(host), port: port)
    }

    /// `host:port`, with brackets around IPv6 literals: the form errors and `:authority` use.
    public var description: String { authority(host: host, port: port) }
}
