import AXRPCFrontEnd
import AXRPCGatewayRequests
import Foundation
import NIOHTTP1
import RuntimeBridge

/// Ollama's model endpoints: `GET /api/tags` (what is installed), `GET /api/ps` (what is loaded),
/// `POST /api/show` and `GET /api/version`. The server has exactly the models the engine lists;
/// fields Ollama derives from model files it has and we do not (size, digest, modelfile) are
/// filled with neutral values of the right type, because Ollama's clients validate them.
package struct OllamaModelRoutes: Sendable {
    package let context: GatewayContext

    package var routes: [GatewayRoute] {
        let routes = self
        return [
            GatewayRoute(method: .GET, path: "/api/tags", dialect: .ollama) { _, responder in
                let models = await routes.context.engine.models().map(routes.tagEntry)
                try await responder.send(.ok, json: ["models": .array(models)])
                return .ok
            },
            GatewayRoute(method: .GET, path: "/api/ps", dialect: .ollama) { _, responder in
                try await responder.send(.ok, json: ["models": .array(await routes.loadedModels())])
                return .ok
            },
            GatewayRoute(method: .POST, path: "/api/show", dialect: .ollama) { request, responder in
                let name = try GatewayRequestParser.showModelName(request)
                guard let model = await routes.context.model(named: name) else {
                    throw GatewayError(BridgeError.modelNotFound(name ?? ""), dialect: .ollama)
                }
                try await responder.send(.ok, json: routes.show(model))
                return .ok
            },
            GatewayRoute(method: .GET, path: "/api/version", dialect: .ollama) { _, responder in
                try await responder.send(.ok, json: ["version": .string(ServerInfo.version)])
                return .ok
            },
        ]
    }

    private func details(_ model: ModelDescriptor) -> JSONValue {
        [
            "parent_model": "",
            // The AX650's compiled model format (the runtime loads *.axmodel files).
            "format": "axmodel",
            "family": .string(model.family),
            "families": [.string(model.family)],
            "parameter_size": .string(model.parameterSize),
            "quantization_level": .string(model.quantization),
        ]
    }

    private func tagEntry(_ model: ModelDescriptor) -> JSONValue {
        [
            "name": .string(model.name),
            "model": .string(model.name),
            "modified_at": .string(GatewayClock.rfc3339(context.startedAt)),
            // Unknown: the runtime's files are not ours to measure.
            "size": 0,
            "digest": .string(model.pseudoDigest),
            "details": details(model),
        ]
    }

    /// The runtime holds its model while it serves; while it starts or restarts nothing is loaded.
    private func loadedModels() async -> [JSONValue] {
        guard await context.engine.status().isServing else { return [] }
        return await context.engine.models().map { model in
            [
                "name": .string(model.name),
                "model": .string(model.name),
                "size": 0,
                "digest": .string(model.pseudoDigest),
                "details": details(model),
                // The model stays loaded for the life of the process (Ollama's keep_alive -1).
                "expires_at": .string(GatewayClock.rfc3339(Date.distantFuture)),
                "size_vram": 0,
                "context_length": .int(model.contextLength),
            ]
        }
    }

    private func show(_ model: ModelDescriptor) -> JSONValue {
        [
            "license": "",
            "modelfile": .string("# Served by axrpc-server from the AX650 runtime\nFROM \(model.name)\n"),
            // Modelfile syntax: Continue reads num_ctx from here for its context budget.
            "parameters": .string("num_ctx \(model.contextLength)"),
            // The runtime applies its own chat template; there is no Go template to show.
            "template": "",
            "details": details(model),
            "model_info": [
                "general.architecture": .string(model.family),
                "\(model.family).context_length": .int(model.contextLength),
            ],
            // Tool calls are composed in Qwen's format (see DialogComposer).
            "capabilities": model.family.lowercased().hasPrefix("qwen") ? ["completion", "tools"] : ["completion"],
            "modified_at": .string(GatewayClock.rfc3339(context.startedAt)),
        ]
    }
}
