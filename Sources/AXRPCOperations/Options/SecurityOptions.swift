import ArgumentParser

/// The flags that make the server safe on a shared network: TLS (and mTLS) on both ports and
/// bearer keys. Cleartext without keys stays the default, which suits loopback.
package struct SecurityOptions: ParsableArguments {
    package init() {}

    @Option(name: .customLong("tls-cert"),
            help: ArgumentHelp("PEM certificate chain for TLS on both ports (gRPC with ALPN h2, HTTP with http/1.1); needs --tls-key. Re-read on SIGHUP.",
                               valueName: "file"))
    package var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key of --tls-cert.", valueName: "file"))
    package var tlsKey: String?

    @Option(name: .customLong("tls-client-ca"),
            help: ArgumentHelp("Require client certificates signed by these PEM CA certificates (mTLS); needs --tls-cert.",
                               valueName: "file"))
    package var tlsClientCA: String?

    @Option(name: .customLong("api-key-file"),
            help: ArgumentHelp("Require \"Authorization: Bearer KEY\" with a key from this file (one per line, # comments) on gRPC and HTTP; "
                + "AXRPC_API_KEY adds one more. Health checks, /healthz and /readyz stay open.",
                               valueName: "file"))
    package var apiKeyFile: String?

    @Flag(name: .customLong("metrics-require-key"), help: "Require an API key on /metrics too.")
    package var metricsRequireKey = false

    package var tlsEnabled: Bool { tlsCert != nil }

    package func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give both (PEM files) or neither")
        }
        if tlsClientCA != nil && tlsCert == nil {
            throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key: client certificates are only asked for over TLS")
        }
    }
}
