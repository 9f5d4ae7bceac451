import AXRPCFrontEnd
import Foundation
import NIOHTTP1

/// What each route reads from its request (body and path), with no channel and no engine: the
/// route handlers call these functions, and the `gateway-request` fuzz target feeds them
/// arbitrary bytes. Each returns the parsed request or throws the `GatewayError` the client is
/// shown (a 400 naming the field); what the engine decides (unknown model, limits) comes later.
package enum GatewayRequestParser {
    /// Every route that reads something from its request, by method and path. A unit test checks
    /// this list against the router's routes.
    package enum Route: String, CaseIterable, Sendable {
        case ollamaGenerate = "/api/generate"
        case ollamaChat = "/api/chat"
        case ollamaShow = "/api/show"
        case ollamaPull = "/api/pull"
        case ollamaDelete = "/api/delete"
        case ollamaCopy = "/api/copy"
        case ollamaCreate = "/api/create"
        case ollamaPush = "/api/push"
        case ollamaEmbed = "/api/embed"
        case ollamaEmbeddings = "/api/embeddings"
        case openAIChat = "/v1/chat/completions"
        case openAICompletion = "/v1/completions"
        case openAIEmbeddings = "/v1/embeddings"
        /// `GET /v1/models/{id}`: the path is a prefix, the rest of it the model's name.
        case openAIModel = "/v1/models/"

        package var path: String { rawValue }

        package var method: HTTPMethod {
            switch self {
            case .ollamaDelete: return .DELETE
            case .openAIModel: return .GET
            default: return .POST
            }
        }

        package var dialect: GatewayDialect {
            path.hasPrefix("/v1/") ? .openai : .ollama
        }
    }

    /// What one route read from its request.
    package enum Parsed: Sendable {
        case ollamaGeneration(OllamaGenerationRequest)
        case openAIGeneration(OpenAIGenerationRequest)
        /// `/api/show`; `/api/delete`, `/api/copy`, `/api/create`, `/api/push` (named in the refusal).
        case modelName(String?)
        case pull(OllamaPullRequest)
        /// `/v1/models/{id}`.
        case modelID(String)
        /// The embeddings routes answer 501 without reading the body.
        case nothing
    }

    /// The route's parse, as its handler does it.
    package static func parse(_ route: Route, _ request: GatewayRequest) throws(GatewayError) -> Parsed {
        switch route {
        case .ollamaGenerate: return .ollamaGeneration(try ollamaGenerate(request))
        case .ollamaChat: return .ollamaGeneration(try ollamaChat(request))
        case .ollamaShow: return .modelName(try showModelName(request))
        case .ollamaPull: return .pull(try pull(request))
        case .ollamaDelete, .ollamaCopy, .ollamaCreate, .ollamaPush: return .modelName(managedModelName(request))
        case .ollamaEmbed, .ollamaEmbeddings, .openAIEmbeddings: return .nothing
        case .openAIChat: return .openAIGeneration(try openAIChat(request))
        case .openAICompletion: return .openAIGeneration(try openAICompletion(request))
        case .openAIModel: return .modelID(modelID(path: request.path))
        }
    }

    package static func ollamaGenerate(_ request: GatewayRequest) throws(GatewayError) -> OllamaGenerationRequest {
        try OllamaRequestReader(logger: request.logger).generate(request.jsonObject())
    }

    package static func ollamaChat(_ request: GatewayRequest) throws(GatewayError) -> OllamaGenerationRequest {
        try OllamaRequestReader(logger: request.logger).chat(request.jsonObject())
    }

    package static func openAIChat(_ request: GatewayRequest) throws(GatewayError) -> OpenAIGenerationRequest {
        try OpenAIRequestReader(logger: request.logger).chat(request.jsonObject())
    }

    package static func openAICompletion(_ request: GatewayRequest) throws(GatewayError) -> OpenAIGenerationRequest {
        try OpenAIRequestReader(logger: request.logger).completion(request.jsonObject())
    }

    /// `/api/show`: the model named.
    package static func showModelName(_ request: GatewayRequest) throws(GatewayError) -> String? {
        return try modelOrName(FieldReader(object: request.jsonObject()))
    }

    /// `/api/pull`. `stream` is only checked once the model is known, so an unknown model is a
    /// 404 whatever `stream` holds.
    package static func pull(_ request: GatewayRequest) throws(GatewayError) -> OllamaPullRequest {
        let reader = FieldReader(object: try request.jsonObject())
        let name = try modelOrName(reader) ?? ""
        let stream = Result { () throws(GatewayError) -> Bool in try reader.bool("stream") ?? true }
        return OllamaPullRequest(name: name, stream: stream)
    }

    /// `model`, or `name`, the older spelling some clients still send.
    private static func modelOrName(_ reader: FieldReader) throws(GatewayError) -> String? {
        if let model = try reader.string("model") { return model }
        return try reader.string("name")
    }

    /// The model named by a refused management request, when the body names one; never fails,
    /// since the answer is a 403 whatever the body says.
    package static func managedModelName(_ request: GatewayRequest) -> String? {
        (try? FieldReader(object: request.jsonObject()).string("model")) ?? nil
    }

    /// `/v1/models/{id}`: model names hold ":" and may hold "/", which clients percent-encode.
    package static func modelID(path: String) -> String {
        let raw = String(path.dropFirst(Route.openAIModel.path.count))
        return raw.removingPercentEncoding ?? raw
    }
}

/// An Ollama `/api/pull` body: the model to "pull" and whether to stream the status lines.
package struct OllamaPullRequest: Sendable {
    /// "" when the body names none.
    package var name: String
    /// Ollama streams unless told `"stream": false`; a mistyped `stream` is the 400 it holds.
    package var stream: Result<Bool, GatewayError>
}
