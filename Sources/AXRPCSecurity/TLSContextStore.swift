import AXRPCFrontEnd
import Logging
import NIOConcurrencyHelpers
import NIOSSL

/// The TLS contexts of the two ports, built from the PEM files and rebuilt on `reload()`.
///
/// Each new connection takes the context current at accept time, so a reload (SIGHUP, after a
/// certificate renewal) changes what new handshakes see and leaves open connections alone.
package final class TLSContextStore: Sendable {
    /// The files a context is built from.
    package struct Files: Sendable, Equatable {
        package var certificateChain: String
        package var privateKey: String
        package var clientCA: String?

        package init(certificateChain: String, privateKey: String, clientCA: String?) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
            self.clientCA = clientCA
        }
    }

    private struct Contexts {
        var grpc: NIOSSLContext
        var http: NIOSSLContext
    }

    package let files: Files
    private let contexts: NIOLockedValueBox<Contexts>

    package init(files: Files) throws(TLSSetupError) {
        self.files = files
        contexts = NIOLockedValueBox(try Self.build(files))
    }

    /// For the gRPC port: ALPN offers only `h2`, as gRPC clients require.
    package var grpc: NIOSSLContext { contexts.withLockedValue { $0.grpc } }
    /// For the HTTP gateway: ALPN `http/1.1` (NIOHTTP1 speaks nothing else).
    package var http: NIOSSLContext { contexts.withLockedValue { $0.http } }

    /// Re-reads the files. On failure the old contexts stay in use and the error says why.
    package func reload() throws(TLSSetupError) {
        let fresh = try Self.build(files)
        contexts.withLockedValue { $0 = fresh }
    }

    private static func build(_ files: Files) throws(TLSSetupError) -> Contexts {
        let chain = try load("--tls-cert", files.certificateChain) { try NIOSSLCertificate.fromPEMBytes($0) }
        guard !chain.isEmpty else {
            throw TLSSetupError(message: "--tls-cert \(files.certificateChain) holds no PEM certificate")
        }
        let key = try load("--tls-key", files.privateKey) { try NIOSSLPrivateKey(bytes: $0, format: .pem) }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let caPath = files.clientCA {
            let roots = try load("--tls-client-ca", caPath) { try NIOSSLCertificate.fromPEMBytes($0) }
            guard !roots.isEmpty else { throw TLSSetupError(message: "--tls-client-ca \(caPath) holds no PEM certificate") }
            configuration.trustRoots = .certificates(roots)
            // Clients are identified by their CA, not by a host name: there is none to check.
            configuration.certificateVerification = .noHostnameVerification
            configuration.sendCANameList = true
        }
        do {
            var grpc = configuration
            grpc.applicationProtocols = ["h2"]
            var http = configuration
            http.applicationProtocols = ["http/1.1"]
            return Contexts(grpc: try NIOSSLContext(configuration: grpc), http: try NIOSSLContext(configuration: http))
        } catch {
            throw TLSSetupError(message: "the certificate and key do not make a TLS setup (does --tls-key belong to --tls-cert?): \(error)")
        }
    }

    /// Reads a file with the system's words for a failure, then parses it, naming the flag.
    private static func load<T>(_ flag: String, _ path: String, _ parse: ([UInt8]) throws -> T) throws(TLSSetupError) -> T {
        let text: String
        do {
            text = try SmallTextFile.contents(of: path)
        } catch {
            throw TLSSetupError(message: "cannot read \(flag): \(error)")
        }
        do {
            return try parse(Array(text.utf8))
        } catch {
            throw TLSSetupError(message: "\(flag) \(path) is not usable PEM (expected \"-----BEGIN ...\" blocks)")
        }
    }
}

/// TLS could not be set up from the given files; the message names the flag and file.
package struct TLSSetupError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
