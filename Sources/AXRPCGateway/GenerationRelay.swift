import AXRPCFrontEnd
import AXRPCGatewayRequests
import Logging
import NIOHTTP1
import RuntimeBridge

/// How one API frames a streamed generation: Ollama's NDJSON lines or OpenAI's server-sent
/// events. Each method returns bytes ready to write, framing included.
package protocol StreamFormat: Sendable {
    var contentType: String { get }
    /// Sent right after the head (OpenAI's first chunk carries the role); "" for nothing.
    func opening() -> String
    func delta(_ text: String) -> String
    /// A tool call parsed from the reply; `index` counts the calls of this reply from 0.
    func toolCall(_ call: ParsedToolCall, index: Int) -> String
    /// The last piece of a successful stream (Ollama's `done: true` object; OpenAI's final
    /// chunk, usage and `[DONE]`); `calledTools` when the reply was tool calls.
    func completion(_ summary: GenerationSummary, calledTools: Bool) -> String
    /// A failure after the 200 head went out: the only place left to report it.
    func failure(_ error: GatewayError) -> String
}

/// Drives one generation through the engine for an HTTP request, either collecting the whole
/// answer or relaying it as it comes. This is where the gateway meets the shared queue:
/// cancelling the calling Task (the connection closed) ends the `for await`, which drops the
/// engine's stream and so cancels the generation, exactly as for a gRPC caller.
package struct GenerationRelay: Sendable {
    package let engine: any InferenceEngine
    package let dialect: GatewayDialect
    /// Tool calls and JSON output asked for (`ReplyShaper` applies it).
    package var shaping = ReplyShaping.plain

    /// A whole answer: its text, the tool calls in it, and the bridge's summary.
    package struct Collected: Sendable {
        package var text: String
        package var toolCalls: [ParsedToolCall]
        package var summary: GenerationSummary
    }

    /// The whole answer. Throws `GatewayError` (499 when the client left, 502 when the reply is
    /// not what the shaping asked for).
    package func collect(_ request: GenerationRequest) async throws(GatewayError) -> Collected {
        var text = ""
        var summary: GenerationSummary?
        var shaper = ReplyShaper(shaping)
        func take(_ outputs: [ReplyShaper.Output]) {
            for output in outputs {
                if case let .text(piece) = output { text += piece }
            }
        }
        do {
            // Read to the end, as the gRPC service does, rather than leaving after `.done`: an
            // abandoned stream counts as a cancellation.
            for try await update in engine.generate(request) {
                switch update {
                case .queued: continue
                case let .delta(piece): take(shaper.push(piece))
                case let .done(done): summary = done
                }
            }
        } catch {
            throw translate(error, logger: request.logger)
        }
        guard let summary else { throw endedEarly() }
        switch shaper.finish() {
        case let .success(outputs): take(outputs)
        case let .failure(failure): throw Self.rejected(failure)
        }
        return Collected(text: text, toolCalls: shaper.toolCalls, summary: summary)
    }

    /// The model's reply broke the request's shaping: the model is the gateway's upstream, so 502.
    package static func rejected(_ failure: ShapingFailure) -> GatewayError {
        GatewayError(.badGateway, failure.message, type: "server_error", code: failure.code)
    }

    /// Streams the answer in `format`. The 200 head goes out with the first text, not before:
    /// until then a full queue, an unknown model or a runtime that cannot start still get their
    /// own status (Ollama behaves the same way). Returns the status to log.
    package func stream(_ request: GenerationRequest, as format: some StreamFormat,
                via responder: GatewayResponder) async throws(GatewayError) -> HTTPResponseStatus {
        var started = false
        var finished = false
        var shaper = ReplyShaper(shaping)
        var callIndex = 0
        func send(_ outputs: [ReplyShaper.Output]) async throws(GatewayError) {
            for output in outputs {
                try await begin()
                switch output {
                case let .text(piece):
                    try await write(format.delta(piece), via: responder)
                case let .toolCall(call):
                    try await write(format.toolCall(call, index: callIndex), via: responder)
                    callIndex += 1
                }
            }
        }
        func begin() async throws(GatewayError) {
            guard !started else { return }
            started = true
            responder.startStream(.ok, contentType: format.contentType)
            let opening = format.opening()
            if !opening.isEmpty { try await write(opening, via: responder) }
        }
        do {
            for try await update in engine.generate(request) {
                switch update {
                case .queued:
                    continue
                case let .delta(piece):
                    try await send(shaper.push(piece))
                case let .done(summary):
                    finished = true
                    switch shaper.finish() {
                    case let .success(outputs):
                        try await send(outputs)
                    case let .failure(failure):
                        // Buffered replies only: nothing has been sent yet, so the error gets its status.
                        throw Self.rejected(failure)
                    }
                    try await begin()
                    try await write(format.completion(summary, calledTools: !shaper.toolCalls.isEmpty), via: responder)
                }
            }
        } catch let error as GatewayError {
            throw error    // a failed write: the client is gone
        } catch {
            let mapped = translate(error, logger: request.logger)
            guard started, mapped.status != GatewayError.clientClosedRequest else { throw mapped }
            try await endStream(with: format.failure(mapped), via: responder)
            return mapped.status
        }
        guard finished else {
            let error = endedEarly()
            guard started, error.status != GatewayError.clientClosedRequest else { throw error }
            try await endStream(with: format.failure(error), via: responder)
            return error.status
        }
        // The whole answer (OpenAI's [DONE], Ollama's done line) reached the socket: a client that
        // hangs up before the chunked terminator (the openai package does at [DONE]) got
        // everything, so this is a success, not a 499.
        try? await responder.finish()
        return .ok
    }

    private func write(_ text: String, via responder: GatewayResponder) async throws(GatewayError) {
        do {
            try await responder.stream(text)
        } catch {
            throw Self.clientGone
        }
    }

    private func endStream(with text: String, via responder: GatewayResponder) async throws(GatewayError) {
        try await write(text, via: responder)
        do {
            try await responder.finish()
        } catch {
            throw Self.clientGone
        }
    }

    /// A write failed: the connection closed under us, and its Task is being cancelled.
    package static let clientGone = GatewayError(BridgeError.cancelled, dialect: .http)

    private func translate(_ error: any Error, logger: Logger?) -> GatewayError {
        if let bridge = error as? BridgeError { return GatewayError(bridge, dialect: dialect, logger: logger) }
        if error is CancellationError || Task.isCancelled { return Self.clientGone }
        return GatewayError.internalError(error, logger: logger)
    }

    /// The engine's stream ended without a summary: it does that only when we were cancelled.
    private func endedEarly() -> GatewayError {
        if Task.isCancelled { return Self.clientGone }
        return GatewayError(.internalServerError, "the generation ended without a result", code: "internal_error")
    }
}
