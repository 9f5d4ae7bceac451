import NIOHTTP1

/// Which browser origins may call the gateway, as Ollama's `OLLAMA_ORIGINS` decides it: by
/// default pages served from the loopback host (any port, http or https) and the app schemes of
/// desktop shells and editors; `--cors-origin` adds more (`*` allows every origin). A request
/// that carries an `Origin` not allowed is refused with 403 before it runs, so a web page the
/// user happens to open cannot make the NPU generate (a plain POST needs no preflight).
/// Requests without `Origin` (curl, SDKs, other servers) are not affected.
package struct CORSPolicy: Sendable {
    /// Patterns; `*` matches any run of characters.
    package let allowed: [String]

    package static let defaultOrigins: [String] = ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"].flatMap { host in
        ["http://\(host)", "https://\(host)", "http://\(host):*", "https://\(host):*"]
    } + ["app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*"]

    package init(extra: [String] = []) {
        allowed = Self.defaultOrigins + extra
    }

    package func allows(_ origin: String) -> Bool {
        allowed.contains { Self.matches(origin, pattern: $0) }
    }

    /// The headers every reply to a request from `origin` carries (none without an Origin, or
    /// for an origin that is not allowed: the browser then withholds the reply from the page).
    package func responseHeaders(origin: String?) -> [(String, String)] {
        guard let origin, allows(origin) else { return [] }
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"),
                ("Access-Control-Expose-Headers", "X-Axrpc-Ignored-Fields, Retry-After, retry-after-ms")]
    }

    /// The extra headers of a preflight answer (`OPTIONS` with `Access-Control-Request-Method`).
    package func preflightHeaders(_ headers: HTTPHeaders) -> [(String, String)] {
        let requested = headers.first(name: "Access-Control-Request-Headers") ?? ""
        return [("Access-Control-Allow-Methods", "GET, POST, DELETE, HEAD, OPTIONS"),
                ("Access-Control-Allow-Headers",
                 requested.isEmpty ? "Authorization, Content-Type, Accept, User-Agent, X-Requested-With" : requested),
                ("Access-Control-Max-Age", "86400")]
    }

    /// Glob match with `*` only, on the whole string.
    package static func matches(_ text: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return text == pattern }
        guard text.hasPrefix(parts[0]) else { return false }
        var rest = Substring(text.dropFirst(parts[0].count))
        for (index, part) in parts.enumerated().dropFirst() {
            if index == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard let found = rest.range(of: part) else { return false }
            rest = rest[found.upperBound...]
        }
        return true
    }
}
