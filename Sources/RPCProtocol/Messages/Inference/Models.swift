/// Asks for the models the server can run (`axrpc.v1.ListModelsRequest`); it has no fields.
public struct ListModelsRequest: Sendable, Equatable {
    public init() {}
}

/// One model the server can run (`axrpc.v1.ModelInfo`).
public struct ModelInfo: Sendable, Equatable {
    public var name: String
    public var family: String
    public var parameterSize: String
    public var quantization: String
    public var contextLength: UInt32
    public var loaded: Bool
    public var emulated: Bool
    public var isDefault: Bool

    public init(name: String = "", family: String = "", parameterSize: String = "", quantization: String = "",
                contextLength: UInt32 = 0, loaded: Bool = false, emulated: Bool = false, isDefault: Bool = false) {
        self.name = name
        self.family = family
        self.parameterSize = parameterSize
        self.quantization = quantization
        self.contextLength = contextLength
        self.loaded = loaded
        self.emulated = emulated
        self.isDefault = isDefault
    }
}

/// The models the server can run (`axrpc.v1.ListModelsResponse`).
public struct ListModelsResponse: Sendable, Equatable {
    public var models: [ModelInfo]

    public init(models: [ModelInfo] = []) {
        self.models = models
    }
}
