/// A complete response, independent of NIO so that routes can be tested without sockets.
struct HTTPReply: Equatable {
    var status: Int
    var body: String
    /// Headers besides Content-Length, CORS and connection management.
    var headers: [(String, String)] = []

    static func json(_ status: Int, _ body: String) -> HTTPReply {
        HTTPReply(status: status, body: body, headers: [("Content-Type", "application/json")])
    }

    /// cpp-httplib's answer when a handler throws (nlohmann `type_error`): 500, empty body.
    static func exception(_ error: JSONTypeError) -> HTTPReply {
        HTTPReply(status: 500, body: "", headers: [("EXCEPTION_WHAT", error.what)])
    }

    /// cpp-httplib's answer for an unknown path or method: 404, empty body.
    static let notFound = HTTPReply(status: 404, body: "")

    static func == (lhs: HTTPReply, rhs: HTTPReply) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.headers.map { "\($0.0): \($0.1)" } == rhs.headers.map { "\($0.0): \($0.1)" }
    }
}

/// What a route produced: a reply now, or later (`/api/chat` blocks until its generation ends).
enum RouteOutcome {
    case reply(HTTPReply)
    /// Call the function with the responder; it is called exactly once, on the event loop, unless the
    /// runtime hangs or crashes.
    case deferred((@escaping (HTTPReply) -> Void) -> Void)
}

/// Dispatches a request to the runtime API (`RuntimeRoutes`) or to the emulator's own inspection endpoints
/// (`InspectionRoutes`). Query strings are ignored, like cpp-httplib's path matching.
struct EmulatorRouter {
    let runtime: RuntimeRoutes
    let inspection: InspectionRoutes

    init(engine: RuntimeEngine) {
        runtime = RuntimeRoutes(engine: engine)
        inspection = InspectionRoutes(engine: engine)
    }

    func route(method: String, uri: String, body: [UInt8]) -> RouteOutcome {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        if method == "OPTIONS" {
            // The vendor's pre-routing handler answers every OPTIONS request itself.
            return .reply(HTTPReply(status: 200, body: "", headers: [
                ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                ("Access-Control-Allow-Headers", "Content-Type"),
            ]))
        }
        if path.hasPrefix(InspectionRoutes.prefix) {
            return .reply(inspection.handle(method: method, path: path))
        }
        return runtime.handle(method: method, path: path, body: body)
    }
}
