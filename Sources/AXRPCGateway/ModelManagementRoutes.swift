import AXRPCFrontEnd
import AXRPCGatewayRequests
import NIOHTTP1
import RuntimeBridge

/// The endpoints of Ollama and OpenAI that this server cannot serve the usual way, answered so
/// that clients show a message a person can act on instead of a bare 404:
///
/// * embeddings (`/api/embed`, `/api/embeddings`, `/v1/embeddings`): 501, the model has no
///   embedding head;
/// * `/api/pull` of the installed model succeeds as Ollama's does (status lines ending in
///   "success"): Open WebUI and `ollama pull` scripts pull before use. Any other model: 404;
/// * `/api/delete`, `/api/copy`, `/api/create`, `/api/push`: 403, the model belongs to the runtime
///   package the server was started with.
package struct ModelManagementRoutes: Sendable {
    package let context: GatewayContext

    package var routes: [GatewayRoute] {
        let routes = self
        let embeddings: [(String, GatewayDialect)] = [("/api/embed", .ollama), ("/api/embeddings", .ollama),
                                                       ("/v1/embeddings", .openai)]
        return embeddings.map { path, dialect in
            GatewayRoute(method: .POST, path: path, dialect: dialect) { _, _ in
                throw await routes.noEmbeddings()
            }
        } + [
            GatewayRoute(method: .POST, path: "/api/pull", dialect: .ollama) { request, responder in
                try await routes.pull(request, via: responder)
            },
        ] + ["/api/delete", "/api/copy", "/api/create", "/api/push"].map { path in
            GatewayRoute(method: path == "/api/delete" ? .DELETE : .POST, path: path, dialect: .ollama) { request, _ in
                throw await routes.refuseManagement(path, request)
            }
        }
    }

    private func noEmbeddings() async -> GatewayError {
        let name = await context.model(named: nil)?.name ?? "the model"
        return GatewayError(.notImplemented,
                            "embeddings are not available: \(name) is a text-generation model without an embedding "
                                + "head, and the NPU runtime only generates text. Use an embedding model served "
                                + "elsewhere (for example Ollama with nomic-embed-text) for RAG and search",
                            type: "invalid_request_error", code: "embeddings_not_supported")
    }

    /// Ollama's pull stream for the installed model: the runtime already holds it, so every step
    /// is instant. `stream: false` answers the last status alone.
    private func pull(_ request: GatewayRequest, via responder: GatewayResponder) async throws -> HTTPResponseStatus {
        let parsed = try GatewayRequestParser.pull(request)
        let name = parsed.name
        guard let model = await context.model(named: name), !name.isEmpty else {
            let installed = await context.engine.models().map(\.name).joined(separator: ", ")
            throw GatewayError(.notFound,
                               "pull model \"\(name)\": this server cannot download models; it serves only the model "
                                   + "package it was started with (\(installed)). Install another package and restart "
                                   + "the server with --model-dir to change it",
                               code: "model_not_found")
        }
        let statuses: [JSONValue] = [
            ["status": "pulling manifest"],
            ["status": .string("pulling \(model.pseudoDigest.prefix(12))"), "digest": .string("sha256:" + model.pseudoDigest),
             "total": 0, "completed": 0],
            ["status": "verifying sha256 digest"],
            ["status": "writing manifest"],
            ["status": "success"],
        ]
        guard try parsed.stream.get() else {
            try await responder.send(.ok, json: ["status": "success"])
            return .ok
        }
        responder.startStream(.ok, contentType: "application/x-ndjson")
        for status in statuses { try await responder.stream(status.serialized() + "\n") }
        try await responder.finish()
        return .ok
    }

    private func refuseManagement(_ path: String, _ request: GatewayRequest) async -> GatewayError {
        let name = GatewayRequestParser.managedModelName(request)
        let installed = await context.engine.models().map(\.name).joined(separator: ", ")
        let what = String(path.dropFirst("/api/".count))
        return GatewayError(.forbidden,
                            "\(what)\(name.map { " \"\($0)\"" } ?? ""): this server cannot change its models; it "
                                + "serves the model package it was started with (\(installed)) from the NPU runtime",
                            code: "model_management_not_supported")
    }
}
