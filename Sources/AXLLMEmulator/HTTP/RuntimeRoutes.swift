/// The vendor runtime's HTTP API (legacy `main_api`), byte for byte where it matters: check order,
/// status codes, bodies, and the nlohmann/cpp-httplib exception behaviour (a value of the wrong JSON type
/// answers 500 after the sampling keys before it were already applied).
struct RuntimeRoutes {
    let engine: RuntimeEngine

    func handle(method: String, path: String, body: [UInt8]) -> RouteOutcome {
        switch (method, path) {
        case ("GET", "/api/stop"): return .reply(stop())
        case ("POST", "/api/reset"): return .reply(reset(body))
        case ("POST", "/api/generate"): return .reply(generate(body))
        case ("GET", "/api/generate_provider"): return poll()
        case ("POST", "/api/chat"): return chat(body)
        default: return .reply(.notFound)
        }
    }

    /// Parse; no `prompt` key: invalid; busy: `llm is running`; apply sampling; `prompt` must be a string.
    func generate(_ body: [UInt8]) -> HTTPReply {
        engine.log.generateCalls += 1
        let json = JSONValue.parse(body)
        var call = CallLog.GenerateCall(
            status: 200, prompt: json?["prompt"], temperature: json?["temperature"], topK: json?["top-k"],
            topP: json?["top-p"], repetitionPenalty: json?["repetition_penalty"], keysPresent: json.map(keys) ?? []
        )
        let reply = acceptGenerate(json)
        call.status = reply.status
        engine.log.record(.generate(call))
        return reply
    }

    private func acceptGenerate(_ json: JSONValue?) -> HTTPReply {
        guard let json, let prompt = json["prompt"] else {
            return .json(400, RuntimeJSON.invalidRequest)
        }
        if let busy = rejectIfBusy() { return busy }
        do throws(JSONTypeError) {
            try applySampling(json)
            engine.enqueueGenerate(prompt: try prompt.asString())
            return .json(200, RuntimeJSON.ok)
        } catch {
            return .exception(error)
        }
    }

    /// Parse (invalid JSON: 400); `system_prompt` must be a string if present; busy: `llm is running`.
    func reset(_ body: [UInt8]) -> HTTPReply {
        engine.log.resets += 1
        let json = JSONValue.parse(body)
        let reply: HTTPReply
        if let json {
            do throws(JSONTypeError) {
                let systemPrompt = try json["system_prompt"]?.asString() ?? ""
                if let busy = rejectIfBusy() {
                    reply = busy
                } else {
                    engine.enqueueReset(systemPrompt: systemPrompt)
                    reply = .json(200, RuntimeJSON.ok)
                }
            } catch {
                reply = .exception(error)
            }
        } else {
            reply = .json(400, RuntimeJSON.invalidRequest)
        }
        engine.log.record(.reset(status: reply.status, systemPrompt: json?["system_prompt"]))
        return reply
    }

    /// Always `200 {"status": "ok"}`.
    func stop() -> HTTPReply {
        engine.log.stops += 1
        engine.log.record(.stop)
        engine.requestStop()
        return .json(200, RuntimeJSON.ok)
    }

    /// Drains the text queue; `done` is "no task running". With poll jitter the answer is delayed, and the
    /// queue is drained and `done` computed only when it is answered (the worker moves on meanwhile).
    func poll() -> RouteOutcome {
        engine.log.polls += 1
        let delay = EngineConfiguration.nanoseconds(milliseconds: engine.nextPollDelayMilliseconds())
        guard delay > 0 else { return .reply(Self.answerPoll(engine)) }
        let engine = self.engine
        return .deferred { respond in
            _ = engine.clock.schedule(afterNanoseconds: delay) { respond(Self.answerPoll(engine)) }
        }
    }

    private static func answerPoll(_ engine: RuntimeEngine) -> HTTPReply {
        let text = engine.drainText()
        return .json(200, RuntimeJSON.providerChunk(response: text, done: !engine.isBusy))
    }

    /// Blocks until the reply is complete; uses the first message with `role` and `content` only.
    func chat(_ body: [UInt8]) -> RouteOutcome {
        engine.log.chats += 1
        let json = JSONValue.parse(body)
        guard let json, let messages = json["messages"] else {
            return recordChat(.json(400, RuntimeJSON.invalidRequest), prompt: nil)
        }
        if let busy = rejectIfBusy() { return recordChat(busy, prompt: nil) }
        do throws(JSONTypeError) {
            try applySampling(json)
            for message in try messages.asArray() where message.contains("role") && message.contains("content") {
                let prompt = try message["content"]?.asString() ?? ""
                engine.log.record(.chat(status: 200, prompt: prompt))
                let engine = self.engine
                return .deferred { respond in
                    engine.enqueueChat(prompt: prompt) { reply in
                        respond(.json(200, RuntimeJSON.chatReply(message: reply)))
                    }
                }
            }
            return recordChat(.json(400, RuntimeJSON.invalidMessage), prompt: nil)
        } catch {
            return recordChat(.exception(error), prompt: nil)
        }
    }

    // MARK: Helpers

    private func recordChat(_ reply: HTTPReply, prompt: String?) -> RouteOutcome {
        engine.log.record(.chat(status: reply.status, prompt: prompt))
        return .reply(reply)
    }

    private func rejectIfBusy() -> HTTPReply? {
        guard engine.isBusy else { return nil }
        engine.log.busyRejections += 1
        return .json(400, RuntimeJSON.running)
    }

    /// The vendor's `set_llm_config`: keys in this order, each applied at once; a wrong type throws midway.
    private func applySampling(_ json: JSONValue) throws(JSONTypeError) {
        if let value = json["temperature"] { engine.sampling.setTemperature(try value.asFloat()) }
        if let value = json["repetition_penalty"] { engine.sampling.setRepetitionPenalty(try value.asFloat()) }
        if let value = json["top-p"] { engine.sampling.setTopP(try value.asFloat()) }
        if let value = json["top-k"] { engine.sampling.setTopK(try value.asInt()) }
    }

    private func keys(_ json: JSONValue) -> [String] {
        if case .object(let members) = json { return members.keys.sorted() }
        return []
    }
}
