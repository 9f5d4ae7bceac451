/// Writes tool definitions into the system prompt the way Qwen3's chat template does (the
/// runtime's tokenizer service renders the template for user text only, so the gateway composes
/// the system turn itself):
///
///     <system text>\n\n# Tools\n\nYou may call one or more functions ... <tools>\n{...}\n</tools>\n\nFor each ...
///
/// A required or named `tool_choice` adds one sentence after the block; Qwen's template has no
/// such switch, so the instruction is the only lever (the runtime cannot constrain decoding).
package enum ToolPrompt {
    package static let header = "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
    package static let footer = "\n</tools>\n\nFor each function call, return a json object with function name and "
        + "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
        + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>"

    /// The tools the prompt offers under `choice` (none for `.none`, only the named one for `.named`).
    package static func offered(_ tools: [ToolSpec], choice: ToolChoice) -> [ToolSpec] {
        switch choice {
        case .none: return []
        case .auto, .required: return tools
        case let .named(name): return tools.filter { $0.name == name }
        }
    }

    /// The system prompt with the tools block appended; `base` unchanged when nothing is offered.
    package static func system(base: String?, tools: [ToolSpec], choice: ToolChoice) -> String? {
        let offered = offered(tools, choice: choice)
        guard !offered.isEmpty else { return base }
        var text = ""
        if let base, !base.isEmpty { text = base + "\n\n" }
        text += header
        for tool in offered { text += "\n" + tool.promptLine }
        text += footer
        switch choice {
        case .required:
            text += "\n\nYou must call at least one of these functions: answer only with <tool_call></tool_call> blocks."
        case let .named(name):
            text += "\n\nYou must call the function \"\(name)\": answer only with a <tool_call></tool_call> block."
        case .auto, .none:
            break
        }
        return text
    }
}
