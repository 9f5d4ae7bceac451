import Logging
import NIOHTTP1
import RuntimeBridge

/// Which API a route belongs to: decides the shape of error bodies and the `api` label of the
/// request counter.
package enum GatewayDialect: String, Sendable {
    case ollama, openai
    /// Probes, `/metrics` and unknown paths outside `/v1`: Ollama's `{"error": "..."}` shape.
    case http
}

/// A request the gateway answers with an error status: bad input, or a `BridgeError` translated
/// to HTTP. Rendered per dialect by `body(for:)` so that each client library raises its own
/// error type with our message.
package struct GatewayError: Error, Sendable {
    package var status: HTTPResponseStatus
    package var message: String
    /// OpenAI's `error.type`: `invalid_request_error` for the caller's mistakes, `server_error` otherwise.
    package var type: String
    /// OpenAI's `error.code`, a stable machine-readable name.
    package var code: String
    /// Ollama's own wording where its clients or users match on it (the queue-full text).
    package var ollamaMessage: String?
    /// Seconds for `Retry-After` (and milliseconds for OpenAI's `retry-after-ms`).
    package var retryAfterMilliseconds: Int?
    /// More response headers (`Allow` of a 405).
    package var extraHeaders: [(String, String)] = []

    package init(_ status: HTTPResponseStatus, _ message: String, type: String? = nil, code: String,
         ollamaMessage: String? = nil, retryAfterMilliseconds: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type ?? (status.code < 500 ? "invalid_request_error" : "server_error")
        self.code = code
        self.ollamaMessage = ollamaMessage
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    /// 400 for a field the caller got wrong.
    package static func badRequest(_ message: String, code: String = "invalid_value") -> GatewayError {
        GatewayError(.badRequest, message, code: code)
    }

    /// Ollama's exact text for a full queue (`server/sched.go`, `ErrMaxQueue`): clients and
    /// retry scripts written against Ollama match on it.
    package static let ollamaQueueFullText = "server busy, please try again.  maximum pending requests exceeded"

    /// The HTTP face of a bridge failure. The gRPC face of the same cases is `BridgeMapping.error`;
    /// the table is the same idea with HTTP's vocabulary (see the gateway's README section).
    package init(_ error: BridgeError, dialect: GatewayDialect, logger: Logger? = nil) {
        switch error {
        case let .queueFull(_, retry):
            self.init(.serviceUnavailable, error.description, code: "server_busy",
                      ollamaMessage: Self.ollamaQueueFullText, retryAfterMilliseconds: retry)
        case .deadlineExceeded:
            self.init(.gatewayTimeout, error.description, code: "timeout")
        case .cancelled:
            // Only ever seen by the log and the metrics: the client that cancelled is gone.
            self.init(Self.clientClosedRequest, error.description, code: "cancelled")
        case .unavailable:
            self.init(.serviceUnavailable, ClientFacingText.describe(error, logger: logger), code: "runtime_unavailable")
        case .contextFull:
            // OpenAI answers an over-long conversation with 400 context_length_exceeded.
            self.init(.badRequest, error.description, code: "context_length_exceeded")
        case .invalidArgument:
            self.init(.badRequest, error.description, code: "invalid_value")
        case let .modelNotFound(name):
            let list = dialect == .openai ? "GET /v1/models" : "GET /api/tags"
            self.init(.notFound, "model \"\(name)\" not found; \(list) lists the available ones",
                      code: "model_not_found")
        }
    }

    /// A 500 for an error nothing expected: the client learns that it happened and the request id
    /// to quote; the error itself (a type dump, a path, an address) goes only to the log.
    package static func internalError(_ error: any Error, logger: Logger?) -> GatewayError {
        logger?.error("request failed with an unexpected error", metadata: ["error": "\(String(reflecting: error))"])
        let id = logger?[metadataKey: RequestID.metadataKey].map { " (request id \($0))" } ?? ""
        return GatewayError(.internalServerError, "internal server error\(id); the server log has the details",
                            code: "internal_error")
    }

    /// nginx's 499: the client closed the connection before the answer was complete. Only used
    /// for logs and metrics; nothing is sent.
    package static let clientClosedRequest = HTTPResponseStatus(statusCode: 499, reasonPhrase: "Client Closed Request")

    /// The error body in the dialect's shape.
    package func body(for dialect: GatewayDialect) -> JSONValue {
        switch dialect {
        case .openai:
            return ["error": ["message": .string(message), "type": .string(type), "param": nil,
                              "code": .string(code)]]
        case .ollama, .http:
            return ["error": .string(ollamaMessage ?? message)]
        }
    }

    /// Response headers of the error: when to come back after a full queue, and `extraHeaders`.
    package var headers: [(String, String)] {
        guard let retry = retryAfterMilliseconds else { return extraHeaders }
        // Retry-After counts whole seconds; round up so that a client never comes back too early.
        // OpenAI's clients prefer the exact `retry-after-ms`.
        return extraHeaders + [("Retry-After", "\(max(1, (retry + 999) / 1000))"),
                               ("retry-after-ms", "\(max(0, retry))")]
    }
}
