import AXRPCFrontEnd
import RPCProtocol
import RuntimeBridge

/// Reads the gRPC API's tool and JSON-output fields into the same composition the HTTP gateway
/// uses (`DialogComposer`), so that all three front ends prompt the model identically.
package enum StructuredRequestMapping {
    /// The turns and shaping of a `ChatRequest`.
    package static func chat(_ request: ChatRequest) throws -> (turns: [ChatTurn], shaping: ReplyShaping) {
        do {
            let tools = try request.tools.map { tool throws(GatewayError) in
                try ToolSpec.make(name: tool.name, description: tool.description, parametersJSON: tool.parametersJSON)
            }
            let choice = try ToolChoice.parse(request.toolChoice, tools: tools, field: "tool_choice")
            let json = try outputFormat(request.format)
            var messages: [IncomingMessage] = []
            for (index, message) in request.messages.enumerated() {
                messages.append(try incoming(message, index: index))
            }
            let extra = DialogComposer.extraSystem(tools: tools, choice: choice, json: json)
            return (DialogComposer.turns(messages, extraSystem: extra),
                    DialogComposer.shaping(tools: tools, choice: choice, json: json))
        } catch let error as GatewayError {
            throw RPCError(.invalidArgument, error.message)
        }
    }

    /// The system prompt and shaping of a `GenerateRequest` (JSON output only: tools need a chat).
    package static func generate(_ request: GenerateRequest) throws -> (system: String?, shaping: ReplyShaping) {
        do {
            let json = try outputFormat(request.format)
            let base = request.system.isEmpty ? nil : request.system
            guard let json else { return (base, .plain) }
            return (json.system(base: base), ReplyShaping(json: json))
        } catch {
            throw RPCError(.invalidArgument, error.message)
        }
    }

    private static func outputFormat(_ format: OutputFormat?) throws(GatewayError) -> JSONOutput? {
        guard let format, format.json || !format.jsonSchema.isEmpty else { return nil }
        guard !format.jsonSchema.isEmpty else { return JSONOutput() }
        guard let schema = JSONValue.parse(text: format.jsonSchema), schema.isObject else {
            throw GatewayError.badRequest("format.json_schema is not a JSON object")
        }
        return JSONOutput(schema: schema)
    }

    private static func incoming(_ message: ChatMessage, index: Int) throws -> IncomingMessage {
        var calls: [IncomingMessage.Call] = []
        for call in message.toolCalls {
            let text = call.argumentsJSON.isEmpty ? "{}" : call.argumentsJSON
            guard let arguments = JSONValue.parse(text: text), arguments.isObject else {
                throw GatewayError.badRequest(
                    "messages[\(index)].tool_calls: the arguments of \"\(call.name)\" are not a JSON object")
            }
            calls.append(IncomingMessage.Call(name: call.name, arguments: arguments))
        }
        return IncomingMessage(role: try BridgeMapping.role(message.role), content: message.content, toolCalls: calls)
    }
}
