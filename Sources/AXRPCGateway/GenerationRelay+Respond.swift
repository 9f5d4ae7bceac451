import AXRPCFrontEnd
import NIOHTTP1
import RuntimeBridge

/// A stream format that can also answer with the whole reply as one JSON body (`"stream": false`).
package protocol ReplyFormat: StreamFormat {
    func whole(_ reply: GenerationRelay.Collected) -> JSONValue
}

extension GenerationRelay {
    /// Answers a generation route: names the ignored fields, then streams the reply in `format`
    /// or sends it whole. Returns the status to log.
    func respond(to request: GenerationRequest, streaming: Bool, as format: some ReplyFormat,
                 ignoredFields: [String], via responder: GatewayResponder) async throws -> HTTPResponseStatus {
        responder.reportIgnored(ignoredFields)
        if streaming {
            return try await stream(request, as: format, via: responder)
        }
        let reply = try await collect(request)
        try await responder.send(.ok, json: format.whole(reply))
        return .ok
    }
}

extension OllamaFormat: ReplyFormat {
    package func whole(_ reply: GenerationRelay.Collected) -> JSONValue {
        final(reply.summary, text: reply.text, toolCalls: reply.toolCalls)
    }
}

extension OpenAIFormat: ReplyFormat {
    package func whole(_ reply: GenerationRelay.Collected) -> JSONValue {
        whole(reply.text, toolCalls: reply.toolCalls, summary: reply.summary)
    }
}
