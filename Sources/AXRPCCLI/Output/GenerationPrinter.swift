import RPCProtocol

/// Shows one generation as it streams: text to stdout the moment it arrives, queue positions
/// (and with --verbose, timings and context reuse) to stderr; or one JSON object per event.
struct GenerationPrinter {
    let json: Bool
    let verbose: Bool
    /// The chat turn (1-based), nil for `generate`: adds a `turn` key and the reuse report.
    var turn: Int?

    /// What a finished generation produced: exactly the text received, for the chat history.
    struct Result {
        var text = ""
        var completion: Completion?
        /// Tool calls the model made, for the chat history (the caller runs them).
        var toolCalls: [ToolCall] = []
    }

    /// Prints the events of one call. `probe` (Health) lets the waiting status say that the
    /// runtime is still loading, which the call's own events cannot tell.
    func run(_ events: AsyncThrowingStream<GenerationEvent, any Error>,
             probe: (@Sendable () async -> HealthResponse?)? = nil) async throws -> Result {
        var result = Result()
        var lastQueue: QueueStatus?
        let waiting = json ? nil : WaitingStatus()
        let watcher = Task {
            guard let waiting, let probe else { return }
            // A call that starts at once shows nothing; after half a second, say what it waits for.
            try await Task.sleep(for: .milliseconds(500))
            while !Task.isCancelled {
                if let health = await probe() { waiting.runtime(health) } else { waiting.tick() }
                try await Task.sleep(for: .seconds(1))
            }
        }
        defer {
            watcher.cancel()
            waiting?.end()
        }
        for try await event in events {
            switch event.event {
            case .queued(let status):
                guard status != lastQueue else { continue }
                lastQueue = status
                if let waiting { waiting.queued(status) } else { show(queued: status) }
            case .delta(let text):
                stopWaiting(watcher, waiting)
                result.text += text
                show(delta: text)
            case .toolCall(let call):
                stopWaiting(watcher, waiting)
                result.toolCalls.append(call)
                show(toolCall: call)
            case .done(let completion):
                stopWaiting(watcher, waiting)
                result.completion = completion
                show(done: completion, text: result.text)
            case nil:
                // An event kind newer than this client: nothing to show.
                continue
            }
        }
        return result
    }

    private func stopWaiting(_ watcher: Task<Void, any Error>, _ waiting: WaitingStatus?) {
        watcher.cancel()
        waiting?.end()
    }

    private func show(queued status: QueueStatus) {
        if json {
            var object = header("queued")
            object.set("position", status.position)
            object.set("queue_depth", status.queueDepth)
            Console.out(object.text + "\n")
        } else {
            Console.err("waiting in queue: position \(status.position) of \(status.queueDepth)\n")
        }
    }

    private func show(delta text: String) {
        if json {
            var object = header("delta")
            object.set("text", text)
            Console.out(object.text + "\n")
        } else {
            Console.out(text)
        }
    }

    private func show(toolCall call: ToolCall) {
        if json {
            var object = header("tool_call")
            object.set("id", call.id)
            object.set("name", call.name)
            object.set("arguments", call.argumentsJSON)
            Console.out(object.text + "\n")
        } else {
            // On stdout, like text: the call is the model's answer.
            Console.out("tool call: \(call.name)(\(call.argumentsJSON))\n")
        }
    }

    private func show(done completion: Completion, text: String) {
        if json {
            Console.out(Self.doneObject(completion, text: text, header: header("done")).text + "\n")
            return
        }
        // The text ends the line it is on, so that a prompt or the next turn starts clean.
        Console.out("\n")
        guard verbose else { return }
        if let turn {
            Console.err("turn \(turn): \(completion.contextReused ? "context reused" : "new context")\n")
        }
        Console.err(Self.summary(completion) + "\n")
    }

    private func header(_ type: String) -> JSONObject {
        var object = JSONObject()
        if let turn { object.set("turn", turn) }
        object.set("type", type)
        return object
    }

    static func doneObject(_ completion: Completion, text: String, header: JSONObject) -> JSONObject {
        var object = header
        object.set("finish_reason", Names.of(completion.finishReason))
        object.set("context_reused", completion.contextReused)
        object.set("model", completion.model)
        object.set("text", text)
        if let usage = completion.usage {
            var usageObject = JSONObject()
            usageObject.set("prompt_tokens", usage.promptTokens)
            usageObject.set("completion_tokens", usage.completionTokens)
            usageObject.set("estimated", usage.estimated)
            object.set("usage", usageObject)
        }
        if let timings = completion.timings {
            var timingsObject = JSONObject()
            timingsObject.set("queue_ms", timings.queueMs)
            timingsObject.set("time_to_first_token_ms", timings.timeToFirstTokenMs)
            timingsObject.set("generation_ms", timings.generationMs)
            timingsObject.set("total_ms", timings.totalMs)
            timingsObject.set("tokens_per_second", timings.tokensPerSecond)
            object.set("timings", timingsObject)
        }
        return object
    }

    /// One line for --verbose: where the time went, token counts, why it stopped.
    static func summary(_ completion: Completion) -> String {
        var parts: [String] = []
        if let timings = completion.timings {
            parts.append("queue \(Names.fixed(timings.queueMs)) ms, first token \(Names.fixed(timings.timeToFirstTokenMs)) ms, "
                + "generation \(Names.fixed(timings.generationMs)) ms, total \(Names.fixed(timings.totalMs)) ms, "
                + "\(Names.fixed(timings.tokensPerSecond)) tokens/s")
        }
        if let usage = completion.usage {
            parts.append("\(usage.promptTokens) prompt + \(usage.completionTokens) completion tokens"
                + (usage.estimated ? " (estimated)" : ""))
        }
        parts.append("finish \(Names.of(completion.finishReason))")
        if !completion.model.isEmpty { parts.append("model \(completion.model)") }
        return "timings: " + parts.joined(separator: "; ")
    }
}
