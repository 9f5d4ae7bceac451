import RPCProtocol

/// How a call ended, read from the response's header blocks or from an HTTP/2 reset. Pure, so
/// that every mapping of the spec (statuses, HTTP codes, reset codes) is testable without a peer.
enum CallStatus {
    /// The outcome of a response that ended with END_STREAM: nil = OK.
    /// - Parameters:
    ///   - head: the first (final, non-1xx) header block.
    ///   - trailers: the trailing header block; nil for Trailers-Only, where `head` holds the status.
    static func outcome(head: [(name: String, value: String)],
                        trailers: [(name: String, value: String)]?) -> RPCError? {
        let httpStatus = value(":status", in: head)
        let statusBlock = trailers ?? head
        if httpStatus != "200" {
            // A gRPC server that rejects a request at the HTTP level (415, 405) still says why in
            // grpc-status; only a bare HTTP error (a proxy, a non-gRPC server) needs the HTTP mapping.
            if value("grpc-status", in: statusBlock) != nil { return status(from: statusBlock) }
            let code = Int(httpStatus ?? "").map(statusCode(forHTTPStatus:)) ?? .unknown
            return RPCError(code, "HTTP status \(httpStatus ?? "missing") from a server that is not gRPC")
        }
        let contentType = value("content-type", in: head) ?? ""
        guard contentType.lowercased().hasPrefix("application/grpc") else {
            return RPCError(.unknown, "unexpected response content-type \"\(contentType)\"")
        }
        return status(from: statusBlock)
    }

    /// `grpc-status` and `grpc-message` of a block that must carry them; other fields go into the
    /// error's trailers (e.g. `grpc-retry-pushback-ms`).
    static func status(from block: [(name: String, value: String)]) -> RPCError? {
        guard let rawStatus = value("grpc-status", in: block) else {
            return RPCError(.internalError, "the server ended the call without a grpc-status")
        }
        let message = value("grpc-message", in: block).map(StatusMessageEncoding.decode) ?? ""
        guard let number = Int(rawStatus), let code = StatusCode(rawValue: number) else {
            // The spec: a status this client does not know is UNKNOWN, keeping the server's words.
            return RPCError(.unknown, message.isEmpty ? "invalid grpc-status \"\(rawStatus)\"" : message)
        }
        guard code != .ok else { return nil }
        var trailers = Metadata()
        for field in block where !field.name.hasPrefix(":") && field.name != "grpc-status"
            && field.name != "grpc-message" && field.name != "content-type" {
            try? trailers.addWireHeader(name: field.name, value: field.value)
        }
        return RPCError(code, message, trailers: trailers)
    }

    /// gRPC's http-grpc-status-mapping.md, for responses that carry no grpc-status.
    static func statusCode(forHTTPStatus status: Int) -> StatusCode {
        switch status {
        case 400: .internalError
        case 401: .unauthenticated
        case 403: .permissionDenied
        case 404: .unimplemented
        case 429, 502, 503, 504: .unavailable
        default: .unknown
        }
    }

    /// A stream the server reset before sending a status (gRPC PROTOCOL-HTTP2.md, "Errors").
    static func error(forResetCode code: UInt32) -> RPCError {
        switch code {
        case 7: RPCError(.unavailable, "the server refused the stream (REFUSED_STREAM)")
        case 8: RPCError(.cancelled, "the server cancelled the call (RST_STREAM CANCEL)")
        case 11: RPCError(.resourceExhausted, "the server reset the stream (ENHANCE_YOUR_CALM)")
        case 12: RPCError(.permissionDenied, "the server reset the stream (INADEQUATE_SECURITY)")
        default: RPCError(.internalError, "the stream was reset with HTTP/2 error \(resetCodeName(code))")
        }
    }

    static func resetCodeName(_ code: UInt32) -> String {
        let names = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
                     "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
                     "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]
        return Int(code) < names.count ? names[Int(code)] : "0x\(String(code, radix: 16))"
    }

    private static func value(_ name: String, in block: [(name: String, value: String)]) -> String? {
        block.first { $0.name == name }?.value
    }
}
