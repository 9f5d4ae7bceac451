import RPCProtocol

/// The header block that opens a gRPC call (gRPC PROTOCOL-HTTP2.md, "Requests").
/// Pure, so that the exact fields a server sees can be tested without a socket.
struct RequestHeaders: Equatable {
    /// Sent as `user-agent`; servers log it, and it tells our calls apart from grpcio's.
    static let userAgent = "axrpc-swift/1.0"

    var fields: [(name: String, value: String)]

    /// - Parameters:
    ///   - path: `/package.Service/Method`.
    ///   - authority: `host:port` as the client dialled it (IPv6 hosts in brackets).
    ///   - timeout: what is left of the call's deadline, sent as `grpc-timeout`; nil = none.
    ///   - metadata: custom headers; reserved names (pseudo-headers, `grpc-*`, `te`) are dropped
    ///     because a server would read them as transport fields.
    init(path: String, authority: String, timeout: GRPCTimeout? = nil, metadata: Metadata = Metadata()) {
        fields = [
            (":method", "POST"),
            (":scheme", "http"),
            (":path", path),
            (":authority", authority),
            ("content-type", "application/grpc"),
            // Required of clients by the spec: it tells proxies this is not plain HTTP.
            ("te", "trailers"),
            ("user-agent", Self.userAgent),
        ]
        if let timeout { fields.append(("grpc-timeout", timeout.headerValue)) }
        for header in metadata.wireHeaders where Self.isCustomHeader(header.name) {
            fields.append((header.name, header.value))
        }
    }

    private static func isCustomHeader(_ name: String) -> Bool {
        Metadata.isValidName(name) && !name.hasPrefix("grpc-") && name != "te" && name != "content-type"
            && name != "user-agent"
    }

    static func == (lhs: RequestHeaders, rhs: RequestHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// The `:authority` of `host:port`: IPv6 literals need brackets so that the port stays separable.
func authority(host: String, port: Int) -> String {
    host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
}
