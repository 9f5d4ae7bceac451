/// The checks a request must pass before it may queue, so that a bad request fails at once
/// with INVALID_ARGUMENT or NOT_FOUND instead of after waiting its turn.
enum RequestValidation {
    static func problem(with request: GenerationRequest, modelName: String) -> BridgeError? {
        if let name = request.model, !name.isEmpty, name != modelName {
            return .modelNotFound(name)
        }
        switch request.job {
        case let .generate(prompt, _):
            if isBlank(prompt) { return .invalidArgument("the prompt is empty") }
        case let .chat(messages):
            guard let last = messages.last else {
                return .invalidArgument("a chat needs at least one message")
            }
            guard last.role == .user else {
                return .invalidArgument("the last message must be from the user, not the \(last.role)")
            }
            if isBlank(last.content) { return .invalidArgument("the last user message is empty") }
        }
        let sampling = request.sampling
        for (name, value) in [("temperature", sampling.temperature), ("top_p", sampling.topP),
                              ("repetition_penalty", sampling.repetitionPenalty)] {
            if let value, !value.isFinite { return .invalidArgument("\(name) must be a finite number") }
        }
        return nil
    }

    private static func isBlank(_ text: String) -> Bool {
        !text.contains { !$0.isWhitespace }
    }
}
