import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The security flags (`SecurityOptions` in the executable) as plain values.
package struct SecuritySettings: Sendable {
    package var tlsCert: String?
    package var tlsKey: String?
    package var tlsClientCA: String?
    package var apiKeyFile: String?
    package var metricsRequireKey = false

    package init(tlsCert: String? = nil, tlsKey: String? = nil, tlsClientCA: String? = nil,
                 apiKeyFile: String? = nil, metricsRequireKey: Bool = false) {
        self.tlsCert = tlsCert
        self.tlsKey = tlsKey
        self.tlsClientCA = tlsClientCA
        self.apiKeyFile = apiKeyFile
        self.metricsRequireKey = metricsRequireKey
    }
}

/// What `SecurityOptions` turn into at startup: the key policy, the TLS contexts, and a SIGHUP
/// handler that reloads the certificate files. Fails with a message naming the flag and file.
package struct SecuritySetup: Sendable {
    package let access: AccessPolicy
    package let tls: TLSContextStore?
    /// Kept so the SIGHUP source lives as long as the server.
    package let reloader: CertificateReloader?

    package static func make(_ options: SecuritySettings, host: String, environment: [String: String],
                     logger: Logger) throws -> SecuritySetup {
        let keys = try APIKeyLoader.load(file: options.apiKeyFile, environment: environment)
        var tls: TLSContextStore?
        if let cert = options.tlsCert, let key = options.tlsKey {
            tls = try TLSContextStore(files: .init(certificateChain: cert, privateKey: key, clientCA: options.tlsClientCA))
        }
        if let missing = exposureWarning(host: host, tls: tls != nil, keys: !keys.isEmpty) {
            logger.warning("other machines can reach this server unprotected: without keys anyone on the network can use the NPU, without TLS read the traffic",
                           metadata: ["host": "\(host)", "missing": "\(missing)"])
        }
        if !keys.isEmpty {
            logger.info("API keys required on gRPC and HTTP (health checks, /healthz and /readyz stay open)",
                        metadata: ["keys": "\(keys.count)", "metrics_require_key": "\(options.metricsRequireKey)"])
        }
        if let tls {
            logger.info("TLS on both ports; SIGHUP re-reads the certificate files",
                        metadata: ["client_certificates": "\(tls.files.clientCA == nil ? "not asked for" : "required")"])
        }
        return SecuritySetup(access: AccessPolicy(keys: keys, metricsRequireKey: options.metricsRequireKey),
                             tls: tls, reloader: CertificateReloader(store: tls, logger: logger))
    }

    /// What a server reachable from other machines lacks of TLS and keys, naming the flags that
    /// add them; nil on loopback or when it has both.
    package static func exposureWarning(host: String, tls: Bool, keys: Bool) -> String? {
        guard !isLoopback(host), !(tls && keys) else { return nil }
        return [tls ? nil : "TLS (--tls-cert/--tls-key)", keys ? nil : "API keys (--api-key-file or AXRPC_API_KEY)"]
            .compactMap { $0 }.joined(separator: " and ")
    }

    package static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

/// Re-reads the TLS files on SIGHUP (what `systemctl reload` and certbot hooks send). New
/// handshakes use the new certificate; open connections keep theirs. A failed reload keeps the
/// old certificate and logs why. Installed without TLS too, so that a reload of a cleartext
/// server is not SIGHUP's default: death. `@unchecked`: `source` is set once in `init`.
package final class CertificateReloader: @unchecked Sendable {
    private let source: any DispatchSourceSignal

    package init(store: TLSContextStore?, logger: Logger) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "axrpc.sighup"))
        source.setEventHandler {
            guard let store else {
                logger.info("SIGHUP: nothing to reload (no --tls-cert)")
                return
            }
            do {
                try store.reload()
                logger.info("reloaded the TLS certificate (SIGHUP); new connections use it")
            } catch {
                logger.error("could not reload the TLS certificate on SIGHUP; still serving the previous one",
                             metadata: ["error": "\(error)"])
            }
        }
        source.resume()
    }

    deinit { source.cancel() }
}
