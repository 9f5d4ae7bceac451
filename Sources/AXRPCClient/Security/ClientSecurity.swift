import NIOCore
import NIOSSL
import RPCProtocol

/// How the client proves who it is and protects the connection: TLS (with ALPN `h2`, verified
/// against the system's roots or a given CA), an optional client certificate for mTLS, and an
/// optional bearer key sent as `authorization` metadata on every call.
public struct ClientSecurity: Sendable {
    public var tls = false
    /// PEM CA certificates to trust instead of the system's.
    public var caFile: String?
    /// PEM client certificate chain and key for servers that require mTLS.
    public var certificateFile: String?
    public var keyFile: String?
    /// Sent as `authorization: Bearer KEY`.
    public var apiKey: String?

    public init(tls: Bool = false, caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
                apiKey: String? = nil) {
        self.tls = tls || caFile != nil || certificateFile != nil
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.apiKey = apiKey
    }

    /// The metadata every call carries.
    var callMetadata: Metadata {
        var metadata = Metadata()
        if let apiKey { metadata.add("authorization", "Bearer \(apiKey)") }
        return metadata
    }

    /// The TLS context, or nil for cleartext h2c. Errors name the file at fault.
    func makeContext() throws -> NIOSSLContext? {
        guard tls else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = ["h2"]
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            configuration.trustRoots = .certificates(try Self.load("--ca", caFile) { try NIOSSLCertificate.fromPEMFile($0) })
        }
        if let certificateFile {
            guard let keyFile else {
                throw RPCError(.invalidArgument, "a client certificate (--cert) needs its key (--key)")
            }
            let chain = try Self.load("--cert", certificateFile) { try NIOSSLCertificate.fromPEMFile($0) }
            let key = try Self.load("--key", keyFile) { try NIOSSLPrivateKey(file: $0, format: .pem) }
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(key)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw RPCError(.invalidArgument, "cannot set up TLS: \(error)")
        }
    }

    private static func load<T>(_ flag: String, _ path: String, _ body: (String) throws -> T) throws -> T {
        do {
            return try body(path)
        } catch {
            throw RPCError(.invalidArgument, "\(flag) \(path): cannot read a PEM file there (missing, unreadable or not PEM)")
        }
    }

    /// The TLS handler of a new connection: SNI only for names, which is all SNI may carry;
    /// a literal IP is checked against the certificate's IP addresses instead.
    static func handler(context: NIOSSLContext, host: String) throws -> NIOSSLClientHandler {
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
    }
}
