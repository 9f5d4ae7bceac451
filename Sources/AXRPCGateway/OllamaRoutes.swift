import AXRPCFrontEnd
import AXRPCGatewayRequests
import NIOHTTP1
import RuntimeBridge

/// Ollama's generation endpoints, `/api/generate` and `/api/chat`, plus `GET /` (how Ollama's
/// clients check that a server is there). The model endpoints are in `OllamaModelRoutes`.
package struct OllamaRoutes: Sendable {
    package let context: GatewayContext

    package var routes: [GatewayRoute] {
        let routes = self
        return [
            GatewayRoute(method: .GET, path: "/", dialect: .ollama) { _, responder in
                try await responder.send(.ok, contentType: "text/plain; charset=utf-8", body: "Ollama is running")
                return .ok
            },
            GatewayRoute(method: .POST, path: "/api/generate", dialect: .ollama) { request, responder in
                let parsed = try GatewayRequestParser.ollamaGenerate(request)
                return try await routes.serve(parsed, kind: .generate, request: request, via: responder)
            },
            GatewayRoute(method: .POST, path: "/api/chat", dialect: .ollama) { request, responder in
                let parsed = try GatewayRequestParser.ollamaChat(request)
                return try await routes.serve(parsed, kind: .chat, request: request, via: responder)
            },
        ] + OllamaModelRoutes(context: context).routes
    }

    private func serve(_ parsed: OllamaGenerationRequest, kind: OllamaFormat.Kind, request httpRequest: GatewayRequest,
                       via responder: GatewayResponder) async throws -> HTTPResponseStatus {
        let descriptor = await context.model(named: parsed.model)
        // Answers name the model as the client spelled it (Ollama echoes the request).
        let requested = parsed.model.flatMap { $0.isEmpty ? nil : $0 }
        let format = OllamaFormat(kind: kind, model: requested ?? descriptor?.name ?? "")
        if parsed.loadOnly {
            // Nothing to generate, so the engine is not asked: check the name here.
            guard descriptor != nil else {
                let models = await context.engine.models()
                throw GatewayError(models.isEmpty ? BridgeError.unavailable("no runtime attached")
                                                  : BridgeError.modelNotFound(requested ?? ""), dialect: .ollama)
            }
            try await responder.send(.ok, json: format.loaded(unload: parsed.unload))
            return .ok
        }
        // The engine validates the rest (unknown model, blank prompt, last turn not the user's).
        let request = GenerationRequest(model: await context.resolveModel(parsed.model), job: parsed.job,
                                        sampling: parsed.sampling, logger: httpRequest.logger)
        let relay = GenerationRelay(engine: context.engine, dialect: .ollama, shaping: parsed.shaping)
        return try await relay.respond(to: request, streaming: parsed.stream, as: format,
                                       ignoredFields: parsed.ignoredFields, via: responder)
    }
}
