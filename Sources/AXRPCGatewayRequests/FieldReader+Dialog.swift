import AXRPCFrontEnd
import Logging

/// The parts of a chat body both APIs read alike: the list of messages (each read by the API's
/// own rules) and the `tools` list (OpenAI's function-tool shape, which Ollama also uses).
extension FieldReader {
    /// The items of the list `key` (absent: empty), each read by `read` with its index so that a
    /// refusal can name `messages[3]`.
    package func items<Item>(_ key: String,
                             _ read: (JSONValue, Int) throws(GatewayError) -> Item) throws(GatewayError) -> [Item] {
        var items: [Item] = []
        for (index, value) in (try array(key) ?? []).enumerated() {
            items.append(try read(value, index))
        }
        return items
    }

    /// `tools`: each a function tool, refused with a 400 naming `tools[i]` when it is not.
    package func tools() throws(GatewayError) -> [ToolSpec] {
        try items("tools") { (tool, index) throws(GatewayError) in
            try ToolSpec.read(tool, field: "tools[\(index)]")
        }
    }
}

extension Logger {
    /// One debug line for the fields a request sent that the runtime cannot honour (the client
    /// also gets them in `X-Axrpc-Ignored-Fields`).
    package func ignoredFields(_ fields: [String], path: String) {
        guard !fields.isEmpty else { return }
        debug("ignoring fields the runtime does not support",
              metadata: ["path": "\(path)", "fields": "\(fields.joined(separator: ", "))"])
    }
}
