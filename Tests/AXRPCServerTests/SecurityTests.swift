import AXRPCSecurity
import XCTest

@testable import AXRPCServer
import RPCProtocol

/// Bearer keys, the exposure warning and the ClientHello ALPN reader, without a network.
final class SecurityTests: XCTestCase {
    func testKeysMatchExactlyWhateverTheirLength() {
        let keys = APIKeySet(["sk-one", "sk-second-key"])
        XCTAssertTrue(keys.contains("sk-one"))
        XCTAssertTrue(keys.contains("sk-second-key"))
        for wrong in ["", "sk-on", "sk-one ", "sk-onf", "SK-ONE", "sk-second-key-and-more"] {
            XCTAssertFalse(keys.contains(wrong), wrong)
        }
        XCTAssertFalse(APIKeySet([]).contains(""))
    }

    func testBearerHeaders() {
        let keys = APIKeySet(["k1"])
        XCTAssertTrue(keys.accepts(authorization: "Bearer k1"))
        XCTAssertTrue(keys.accepts(authorization: "bearer k1"))
        XCTAssertTrue(keys.accepts(authorization: "BEARER   k1"))
        XCTAssertFalse(keys.accepts(authorization: "Basic k1"))
        XCTAssertFalse(keys.accepts(authorization: "k1"))
        XCTAssertFalse(keys.accepts(authorization: "Bearer "))
        XCTAssertFalse(keys.accepts(authorization: nil))
    }

    func testKeyFileLinesAndErrors() throws {
        XCTAssertEqual(try APIKeyLoader.parse("# c\n\n  a1 \r\nb2\n", path: "k"), ["a1", "b2"])
        XCTAssertThrowsError(try APIKeyLoader.parse("a b\n", path: "keys.txt")) { error in
            XCTAssertTrue("\(error)".contains("keys.txt, line 1"), "\(error)")
        }
        let environmentOnly = try APIKeyLoader.load(file: nil, environment: ["AXRPC_API_KEY": " env-key\n"])
        XCTAssertTrue(environmentOnly.contains("env-key"))
        XCTAssertTrue(try APIKeyLoader.load(file: nil, environment: [:]).isEmpty)
        XCTAssertThrowsError(try APIKeyLoader.load(file: "/nonexistent/keys", environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/keys"), "\(error)")
        }
    }

    func testOpenPathsAndStatuses() {
        let policy = AccessPolicy(keys: APIKeySet(["k"]))
        XCTAssertNil(policy.authorizeGRPC(path: "/grpc.health.v1.Health/Check", authorization: nil))
        XCTAssertEqual(policy.authorizeGRPC(path: "/axrpc.v1.Inference/Generate", authorization: nil)?.code, .unauthenticated)
        XCTAssertNil(policy.authorizeGRPC(path: "/axrpc.v1.Inference/Generate", authorization: "Bearer k"))
        for open in ["/healthz", "/readyz", "/metrics"] {
            XCTAssertNil(policy.authorizeHTTP(path: open, authorization: nil), open)
        }
        let refused = policy.authorizeHTTP(path: "/v1/models", authorization: "Bearer nope")
        XCTAssertEqual(refused?.status.code, 401)
        XCTAssertEqual(refused?.code, "invalid_api_key")
        XCTAssertEqual(AccessPolicy(keys: APIKeySet(["k"]), metricsRequireKey: true)
            .authorizeHTTP(path: "/metrics", authorization: nil)?.status.code, 401)
        XCTAssertNil(AccessPolicy.open.authorizeHTTP(path: "/v1/models", authorization: nil))
    }

    func testExposureWarning() {
        XCTAssertNil(SecuritySetup.exposureWarning(host: "127.0.0.1", tls: false, keys: false))
        XCTAssertNil(SecuritySetup.exposureWarning(host: "::1", tls: false, keys: false))
        XCTAssertNil(SecuritySetup.exposureWarning(host: "0.0.0.0", tls: true, keys: true))
        let open = SecuritySetup.exposureWarning(host: "0.0.0.0", tls: false, keys: false) ?? ""
        XCTAssertTrue(open.contains("--tls-cert") && open.contains("--api-key-file"), open)
        let keysOnly = SecuritySetup.exposureWarning(host: "0.0.0.0", tls: false, keys: true) ?? ""
        XCTAssertTrue(keysOnly.contains("--tls-cert") && !keysOnly.contains("--api-key-file"), keysOnly)
    }

    /// A ClientHello (TLS 1.2 record) offering `protocols` over ALPN, or no ALPN at all.
    static func clientHello(alpn protocols: [String]?) -> [UInt8] {
        var extensions: [UInt8] = [0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]    // ec_point_formats
        if let protocols {
            let list = protocols.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
            let body = [UInt8(list.count >> 8), UInt8(list.count & 0xff)] + list
            extensions += [0x00, 0x10, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
        }
        var hello: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 7, count: 32) + [0]    // version, random, session
        hello += [0x00, 0x02, 0x13, 0x01, 0x01, 0x00]                                  // one suite, null compression
        hello += [UInt8(extensions.count >> 8), UInt8(extensions.count & 0xff)] + extensions
        let handshake = [0x01, 0, UInt8(hello.count >> 8), UInt8(hello.count & 0xff)] + hello
        return [0x16, 0x03, 0x01, UInt8(handshake.count >> 8), UInt8(handshake.count & 0xff)] + handshake
    }

    func testClientHelloALPN() {
        let h2 = Self.clientHello(alpn: ["h2", "http/1.1"])
        XCTAssertEqual(ClientHelloALPN.inspect(h2), .offered(["h2", "http/1.1"]))
        XCTAssertEqual(ClientHelloALPN.inspect(Self.clientHello(alpn: nil)), .offered([]))
        XCTAssertEqual(ClientHelloALPN.inspect(h2.prefix(40)), .needMore)
        XCTAssertEqual(ClientHelloALPN.inspect([]), .needMore)
        XCTAssertEqual(ClientHelloALPN.inspect(Array("PRI * HTTP/2.0\r\n".utf8)), .notTLS)
        // Every truncation of the record's content is judged without trapping.
        for cut in 5..<h2.count {
            var broken = h2.prefix(cut).map { $0 }
            broken[3] = UInt8((cut - 5) >> 8)
            broken[4] = UInt8((cut - 5) & 0xff)
            _ = ClientHelloALPN.inspect(broken)
        }
    }
}

/// TLS failures in words rather than BoringSSL dumps.
final class TLSFailureTextTests: XCTestCase {
    func testKnownReasonsAndUnknownOnes() {
        let verify = "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /x/handshake.cc:320]))"
        XCTAssertEqual(TLSFailureText.describe(text: verify, side: .client),
                       "TLS handshake failed: the server's certificate is not trusted (give its CA with --ca) or does not name this host")
        let other = "sslError([Error: 1 error:1:SSL routines:OPENSSL_internal:SOMETHING_NEW at /x.cc:1])"
        XCTAssertEqual(TLSFailureText.describe(text: other, side: .server), "TLS handshake failed: something new")
        XCTAssertNil(TLSFailureText.describe(text: "Connection refused", side: .client))
    }
}
