/// A function the model may call (`axrpc.v1.Tool`); `parametersJSON` is its JSON schema as text.
public struct Tool: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parametersJSON: String

    public init(name: String = "", description: String = "", parametersJSON: String = "") {
        self.name = name
        self.description = description
        self.parametersJSON = parametersJSON
    }
}

/// A call the model asked for (`axrpc.v1.ToolCall`); `argumentsJSON` is a JSON object as text.
public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    public var argumentsJSON: String

    public init(id: String = "", name: String = "", argumentsJSON: String = "") {
        self.id = id
        self.name = name
        self.argumentsJSON = argumentsJSON
    }
}

/// Asks for a JSON reply (`axrpc.v1.OutputFormat`); a schema implies JSON.
public struct OutputFormat: Sendable, Equatable {
    public var json: Bool
    public var jsonSchema: String

    public init(json: Bool = false, jsonSchema: String = "") {
        self.json = json
        self.jsonSchema = jsonSchema
    }
}
