import AXRPCFrontEnd
import NIOHTTP1
import RPCProtocol

/// Which requests must carry a bearer key, and the answer to one that does not.
///
/// Probes stay open so that orchestrators and load balancers need no secret: gRPC's
/// `grpc.health.v1.Health` and HTTP's `/healthz` and `/readyz`. `/metrics` is open unless
/// `--metrics-require-key` (Prometheus can send a bearer token, but many setups scrape without).
package struct AccessPolicy: Sendable {
    package let keys: APIKeySet
    package var metricsRequireKey = false

    package init(keys: APIKeySet, metricsRequireKey: Bool = false) {
        self.keys = keys
        self.metricsRequireKey = metricsRequireKey
    }

    /// No key configured: everything is open.
    package static let open = AccessPolicy(keys: APIKeySet([]))

    package var isEnabled: Bool { !keys.isEmpty }

    package static let openGRPCServicePrefix = "/grpc.health.v1.Health/"
    package static let openHTTPPaths: Set<String> = ["/healthz", "/readyz"]

    /// nil when the call may go on; UNAUTHENTICATED (sent Trailers-Only) otherwise.
    package func authorizeGRPC(path: String, authorization: String?) -> RPCError? {
        guard isEnabled, !path.hasPrefix(Self.openGRPCServicePrefix) else { return nil }
        if keys.accepts(authorization: authorization) { return nil }
        return RPCError(.unauthenticated, authorization == nil
            ? "this server requires an API key: send the metadata \"authorization: Bearer <key>\""
            : "the API key is not valid (expected the metadata \"authorization: Bearer <key>\" with a key the server was given)")
    }

    /// nil when the request may go on; 401 with `WWW-Authenticate: Bearer` otherwise.
    package func authorizeHTTP(path: String, authorization: String?) -> GatewayError? {
        guard isEnabled, !Self.openHTTPPaths.contains(path) else { return nil }
        if path == "/metrics" && !metricsRequireKey { return nil }
        if keys.accepts(authorization: authorization) { return nil }
        let message = authorization == nil
            ? "this server requires an API key: send the header \"Authorization: Bearer <key>\""
            : "incorrect API key provided (expected the header \"Authorization: Bearer <key>\" with a key the server was given)"
        var error = GatewayError(.unauthorized, message, type: "invalid_request_error", code: "invalid_api_key")
        error.extraHeaders = [("WWW-Authenticate", "Bearer")]
        return error
    }
}
