/// A function the model may call, as both APIs describe it: `{"type": "function", "function":
/// {"name", "description", "parameters"}}`. The function object is kept as the client sent it so
/// that the system prompt shows the model exactly what Qwen's own template would.
package struct ToolSpec: Sendable, Equatable {
    package var name: String
    /// The `function` object (name, description, parameters...) in the client's key order.
    package var function: JSONValue

    /// One line of Qwen's `<tools>` block.
    package var promptLine: String {
        JSONValue.object([("type", "function"), ("function", function)]).pythonStyle()
    }

    /// Reads one entry of a request's `tools` list; `field` names it in errors (`tools[0]`).
    package static func read(_ value: JSONValue, field: String) throws(GatewayError) -> ToolSpec {
        guard value.isObject else { throw GatewayError.badRequest("\(field) must be an object") }
        if let type = value.member("type")?.stringValue, type != "function" {
            throw GatewayError.badRequest("\(field).type \"\(type)\" is not supported; only \"function\" tools are")
        }
        guard let function = value.member("function"), function.isObject else {
            throw GatewayError.badRequest("\(field).function is required: {name, description, parameters}")
        }
        guard let name = function.member("name")?.stringValue, !name.isEmpty else {
            throw GatewayError.badRequest("\(field).function.name is required")
        }
        if let parameters = function.member("parameters"), !parameters.isNull, !parameters.isObject {
            throw GatewayError.badRequest("\(field).function.parameters must be a JSON schema object")
        }
        return ToolSpec(name: name, function: function)
    }

    /// A tool from the gRPC message's fields; `parametersJSON` must be a JSON object when given.
    package static func make(name: String, description: String, parametersJSON: String) throws(GatewayError) -> ToolSpec {
        guard !name.isEmpty else { throw GatewayError.badRequest("a tool has no name") }
        var pairs: [(String, JSONValue)] = [("name", .string(name))]
        if !description.isEmpty { pairs.append(("description", .string(description))) }
        if !parametersJSON.isEmpty {
            guard let schema = JSONValue.parse(text: parametersJSON), schema.isObject else {
                throw GatewayError.badRequest("tool \"\(name)\": parameters_json is not a JSON object")
            }
            pairs.append(("parameters", schema))
        }
        return ToolSpec(name: name, function: .object(pairs))
    }
}

/// Whether and how the model must call a tool (OpenAI's `tool_choice`).
package enum ToolChoice: Sendable, Equatable {
    /// The model decides (the default when tools are given).
    case auto
    /// Tools are left out of the prompt entirely.
    case none
    /// The model is told it must call one of the tools; a reply without a call is an error.
    case required
    /// The model is told to call this tool, and only this tool is offered.
    case named(String)

    /// Reads OpenAI's `tool_choice` ("none", "auto", "required" or `{"type": "function",
    /// "function": {"name"}}`) and the gRPC field's string (a bare name for a named choice).
    package static func read(_ value: JSONValue?, tools: [ToolSpec], field: String = "tool_choice") throws(GatewayError) -> ToolChoice {
        guard let value, !value.isNull else { return .auto }
        if let text = value.stringValue { return try parse(text, tools: tools, field: field) }
        guard let name = value.member("function")?.member("name")?.stringValue else {
            throw GatewayError.badRequest(
                "\(field) must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}")
        }
        return try named(name, tools: tools, field: field)
    }

    package static func parse(_ text: String, tools: [ToolSpec], field: String) throws(GatewayError) -> ToolChoice {
        switch text {
        case "", "auto": return .auto
        case "none": return .none
        case "required", "any": return .required
        default: return try named(text, tools: tools, field: field)
        }
    }

    private static func named(_ name: String, tools: [ToolSpec], field: String) throws(GatewayError) -> ToolChoice {
        guard tools.contains(where: { $0.name == name }) else {
            throw GatewayError.badRequest("\(field) names the function \"\(name)\", which is not in tools")
        }
        return .named(name)
    }
}
