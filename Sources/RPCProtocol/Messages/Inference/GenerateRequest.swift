/// A stateless completion of one prompt (`axrpc.v1.GenerateRequest`).
public struct GenerateRequest: Sendable, Equatable {
    public var model: String
    public var prompt: String
    public var system: String
    public var options: SamplingOptions?

    public init(model: String = "", prompt: String = "", system: String = "", options: SamplingOptions? = nil) {
        self.model = model
        self.prompt = prompt
        self.system = system
        self.options = options
    }
}
