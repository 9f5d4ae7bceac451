import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AXRPCClient

/// TLS and key options of every subcommand. The bearer key comes from `AXRPC_API_KEY` only, so
/// that it never shows in `ps` or the shell history.
struct ConnectionSecurityOptions: ParsableArguments, Sendable {
    @Flag(help: "Connect with TLS (HTTP/2 with ALPN h2), verifying the server against the system's CAs or --ca.")
    var tls = false

    @Option(help: ArgumentHelp("Trust this PEM CA certificate for the server's certificate (implies --tls).", valueName: "file"))
    var ca: String?

    @Option(help: ArgumentHelp("PEM client certificate for servers that require one (mTLS; implies --tls).", valueName: "file"))
    var cert: String?

    @Option(help: ArgumentHelp("PEM private key of --cert.", valueName: "file"))
    var key: String?

    func validate() throws {
        if (cert == nil) != (key == nil) {
            throw ValidationError("--cert and --key go together: give both or neither")
        }
    }

    /// What the client uses; the key from AXRPC_API_KEY when set.
    var clientSecurity: ClientSecurity {
        let apiKey = ProcessEnvironmentKey.value.flatMap { $0.isEmpty ? nil : $0 }
        return ClientSecurity(tls: tls, caFile: ca, certificateFile: cert, keyFile: key, apiKey: apiKey)
    }
}

/// `AXRPC_API_KEY` as the server reads it.
enum ProcessEnvironmentKey {
    static var value: String? {
        guard let raw = getenv("AXRPC_API_KEY") else { return nil }
        return String(cString: raw).filter { !$0.isWhitespace }
    }
}
