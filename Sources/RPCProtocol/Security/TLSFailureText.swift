/// Words for a failed TLS handshake, from the BoringSSL reason that swift-nio-ssl's error
/// carries in its description (its types only dump). Shared by the server's log and the client's
/// error message; each side says what the person reading it can do.
public enum TLSFailureText {
    public enum Side: Sendable { case client, server }

    /// nil when the error is not a TLS one.
    public static func describe(_ error: any Error, side: Side) -> String? {
        describe(text: String(describing: error), side: side)
    }

    public static func describe(text: String, side: Side) -> String? {
        let isTLS = text.contains("SSL") || text.contains("handshake") || text.contains("NIOSSL")
        guard isTLS else { return nil }
        let server = side == .server
        let reasons: [(String, String)] = [
            ("CERTIFICATE_VERIFY_FAILED", server
                ? "the client's certificate is not signed by --tls-client-ca (or has expired)"
                : "the server's certificate is not trusted (give its CA with --ca) or does not name this host"),
            ("TLSV1_ALERT_CERTIFICATE_REQUIRED", "the server requires a client certificate (give --cert and --key)"),
            ("PEER_DID_NOT_RETURN_A_CERTIFICATE", "the client sent no certificate, and --tls-client-ca requires one"),
            ("TLSV1_ALERT_UNKNOWN_CA", server
                ? "the client does not trust this server's certificate (unknown CA)"
                : "the server does not trust this client certificate's CA"),
            ("TLSV1_ALERT_BAD_CERTIFICATE", "the other side refused the certificate"),
            ("CERTIFICATE_EXPIRED", "a certificate has expired"),
            ("NO_APPLICATION_PROTOCOL", server
                ? "no common ALPN protocol (gRPC needs h2)"
                : "the server does not speak HTTP/2 over TLS on this port (no ALPN h2)"),
            ("WRONG_VERSION_NUMBER", "the other side does not speak TLS on this port"),
            ("HTTP_REQUEST", "the client sent plain HTTP to a TLS port"),
            ("NO_SHARED_CIPHER", "no TLS version or cipher in common"),
            ("UNSUPPORTED_PROTOCOL", "no TLS version in common (TLS 1.2 or later is required)"),
            ("EOF during handshake", "the connection was closed during the TLS handshake"),
        ]
        for (reason, words) in reasons where text.contains(reason) {
            return "TLS handshake failed: \(words)"
        }
        // An unlisted BoringSSL reason: its name without the error number and source path.
        if let range = text.firstRange(of: "OPENSSL_internal:") {
            let name = text[range.upperBound...].prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
            if !name.isEmpty { return "TLS handshake failed: \(name.lowercased().replacing("_", with: " "))" }
        }
        return "TLS handshake failed"
    }
}
