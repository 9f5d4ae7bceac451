import AXRPCFrontEnd
import AXRPCGatewayRequests
import Foundation
import Logging
import NIOHTTP1

/// One endpoint: a method and path, the API it belongs to, and the code that answers it.
package struct GatewayRoute: Sendable {
    /// Answers the request through the responder and returns the status to log and count.
    /// Throws a `GatewayError` (before anything was sent) for the router to render.
    package typealias Handler = @Sendable (GatewayRequest, GatewayResponder) async throws -> HTTPResponseStatus

    package var method: HTTPMethod
    package var path: String
    /// `path` is a prefix followed by a parameter (`/v1/models/{id}`).
    package var takesParameter = false
    package var dialect: GatewayDialect
    package var handler: Handler

    /// The bounded metrics label: the route's path, a parameter shown as `{id}`.
    package var name: String {
        takesParameter ? path + "{id}" : path
    }

    package func matches(path candidate: String) -> Bool {
        if takesParameter { return candidate.hasPrefix(path) && candidate.count > path.count }
        return candidate == path
    }
}

/// Finds the route of each request, renders errors in the route's dialect, and writes the one
/// access-log line and request count per request.
package struct GatewayRouter: Sendable {
    package let context: GatewayContext
    package let routes: [GatewayRoute]

    package init(context: GatewayContext) {
        self.context = context
        routes = OllamaRoutes(context: context).routes + OpenAIRoutes(context: context).routes
            + ModelManagementRoutes(context: context).routes + ProbeRoutes(context: context).routes
    }

    /// Serves one request; never throws: whatever happens ends as a status in the log.
    /// `failure` is an error found while reading the request (a body over the limit).
    package func respond(to request: GatewayRequest, via responder: GatewayResponder, failure: GatewayError? = nil) async {
        let started = ContinuousClock.now
        let candidates = routes.filter { $0.matches(path: request.path) }
        // GET routes answer HEAD too (`HEAD /` is how Ollama's clients check for a server).
        let route = candidates.first {
            $0.method == request.method || ($0.method == .GET && request.method == .HEAD)
        }
        let dialect = route?.dialect ?? (request.path.hasPrefix("/v1/") ? .openai : .http)
        let status: HTTPResponseStatus
        let origin = request.headers.first(name: "Origin")
        if let origin, !context.cors.allows(origin) {
            // Before anything runs: a web page must not make the NPU work (see CORSPolicy).
            status = await send(GatewayError(.forbidden, "origin \(origin) is not allowed to call this API; "
                                                 + "start the server with --cors-origin \(origin) to allow it",
                                             code: "origin_not_allowed"), dialect: dialect, via: responder)
        } else if request.method == .OPTIONS {
            status = await preflight(request, candidates: candidates, via: responder)
        } else if let denied = context.access.authorizeHTTP(path: request.path,
                                                            authorization: request.headers.first(name: "Authorization")) {
            // After the preflight, which browsers send without credentials by design.
            context.logger.info("refused a request without a valid API key", metadata: ["path": "\(request.path)"])
            status = await send(denied, dialect: dialect, via: responder)
        } else if let failure {
            status = await send(failure, dialect: dialect, via: responder)
        } else if let route {
            status = await run(route, request, responder)
        } else if !candidates.isEmpty {
            var error = GatewayError(.methodNotAllowed, "\(request.method) is not allowed on \(request.path)",
                                     code: "method_not_allowed")
            error.extraHeaders = [("Allow", candidates.map { "\($0.method)" }.joined(separator: ", "))]
            status = await send(error, dialect: dialect, via: responder)
        } else {
            status = await send(GatewayError(.notFound, "no such endpoint: \(request.method) \(request.path)",
                                             code: "not_found"), dialect: dialect, via: responder)
        }
        record(request, route: route, dialect: dialect, status: status, since: started)
    }

    /// `OPTIONS`: a CORS preflight (the origin was checked already) or a plain question for
    /// the methods of a path; 204 either way, 404 for a path nothing serves.
    private func preflight(_ request: GatewayRequest, candidates: [GatewayRoute],
                           via responder: GatewayResponder) async -> HTTPResponseStatus {
        guard !candidates.isEmpty else {
            return await send(GatewayError(.notFound, "no such endpoint: \(request.method) \(request.path)",
                                           code: "not_found"), dialect: .http, via: responder)
        }
        var headers = [("Allow", (candidates.map { "\($0.method)" } + ["OPTIONS"]).joined(separator: ", "))]
        if request.headers.contains(name: "Access-Control-Request-Method") {
            headers += context.cors.preflightHeaders(request.headers)
        }
        do {
            try await responder.sendNoContent(headers: headers)
        } catch {
            return GatewayError.clientClosedRequest
        }
        return .noContent
    }

    private func run(_ route: GatewayRoute, _ request: GatewayRequest,
                     _ responder: GatewayResponder) async -> HTTPResponseStatus {
        do {
            return try await route.handler(request, responder)
        } catch let error as GatewayError {
            return await send(error, dialect: route.dialect, via: responder)
        } catch {
            // A failed write: the connection is gone (its Task is being cancelled too).
            if Task.isCancelled || responder.hasSentHead { return GatewayError.clientClosedRequest }
            return await send(GatewayError.internalError(error, logger: request.logger),
                              dialect: route.dialect, via: responder)
        }
    }

    /// Answers with the error unless the client is gone or the head already went out.
    private func send(_ error: GatewayError, dialect: GatewayDialect,
                      via responder: GatewayResponder) async -> HTTPResponseStatus {
        if error.status == GatewayError.clientClosedRequest || responder.hasSentHead { return error.status }
        do {
            try await responder.send(error.status, json: error.body(for: dialect), headers: error.headers)
        } catch {
            return GatewayError.clientClosedRequest
        }
        return error.status
    }

    private func record(_ request: GatewayRequest, route: GatewayRoute?, dialect: GatewayDialect,
                        status: HTTPResponseStatus, since started: ContinuousClock.Instant) {
        let elapsed = started.duration(to: .now)
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let metadata: Logger.Metadata = [
            "method": "\(request.method)", "path": "\(request.path)", "status": "\(status.code)",
            "duration_ms": "\(String(format: "%.1f", milliseconds))",
        ]
        // Probes and scrapes come every few seconds; at info they would bury the requests.
        let level: Logger.Level = dialect == .http && status.code < 500 ? .debug : .info
        request.logger.log(level: level, "http request", metadata: metadata)
        context.metrics?.requestFinished(api: dialect.rawValue, method: route?.name ?? "unmatched",
                                         code: "\(status.code)")
    }
}
