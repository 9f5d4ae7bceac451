import AXRPCFrontEnd
import AXRPCGatewayRequests
import Foundation
import NIOHTTP1
import RuntimeBridge

/// OpenAI's endpoints: `POST /v1/chat/completions`, `POST /v1/completions`, `GET /v1/models`
/// and `GET /v1/models/{id}`. Errors use OpenAI's `{"error": {message, type, param, code}}`.
package struct OpenAIRoutes: Sendable {
    package let context: GatewayContext

    package var routes: [GatewayRoute] {
        let routes = self
        return [
            GatewayRoute(method: .POST, path: "/v1/chat/completions", dialect: .openai) { request, responder in
                let parsed = try GatewayRequestParser.openAIChat(request)
                return try await routes.serve(parsed, kind: .chat, request: request, via: responder)
            },
            GatewayRoute(method: .POST, path: "/v1/completions", dialect: .openai) { request, responder in
                let parsed = try GatewayRequestParser.openAICompletion(request)
                return try await routes.serve(parsed, kind: .text, request: request, via: responder)
            },
            GatewayRoute(method: .GET, path: "/v1/models", dialect: .openai) { _, responder in
                let models = await routes.context.engine.models().map(routes.entry)
                try await responder.send(.ok, json: ["object": "list", "data": .array(models)])
                return .ok
            },
            GatewayRoute(method: .GET, path: "/v1/models/", takesParameter: true, dialect: .openai) { request, responder in
                let name = GatewayRequestParser.modelID(path: request.path)
                guard let model = await routes.context.engine.models().first(where: { $0.name == name }) else {
                    throw GatewayError(BridgeError.modelNotFound(name), dialect: .openai)
                }
                try await responder.send(.ok, json: routes.entry(model))
                return .ok
            },
        ]
    }

    private func entry(_ model: ModelDescriptor) -> JSONValue {
        ["id": .string(model.name), "object": "model", "created": .int(GatewayClock.unixSeconds(context.startedAt)),
         "owned_by": "axrpc"]
    }

    private func serve(_ parsed: OpenAIGenerationRequest, kind: OpenAIFormat.Kind, request httpRequest: GatewayRequest,
                       via responder: GatewayResponder) async throws -> HTTPResponseStatus {
        let requested = parsed.model.flatMap { $0.isEmpty ? nil : $0 }
        let fallback = await context.model(named: nil)?.name ?? ""
        let format = OpenAIFormat(kind: kind, model: requested ?? fallback, includeUsage: parsed.includeUsage)
        // The engine validates the rest (unknown model, empty prompt, last message not the user's).
        let request = GenerationRequest(model: await context.resolveModel(parsed.model), job: parsed.job,
                                        sampling: parsed.sampling, logger: httpRequest.logger)
        let relay = GenerationRelay(engine: context.engine, dialect: .openai, shaping: parsed.shaping)
        return try await relay.respond(to: request, streaming: parsed.stream, as: format,
                                       ignoredFields: parsed.ignoredFields, via: responder)
    }
}
