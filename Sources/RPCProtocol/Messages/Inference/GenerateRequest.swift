/// A stateless completion of one prompt (`axrpc.v1.GenerateRequest`).
public struct GenerateRequest: Sendable, Equatable {
    public var model: String
    public var prompt: String
    public var system: String
    public var options: SamplingOptions?
    /// JSON output; nil: free text.
    public var format: OutputFormat?

    public init(model: String = "", prompt: String = "", system: String = "", options: SamplingOptions? = nil,
                format: OutputFormat? = nil) {
        self.model = model
        self.prompt = prompt
        self.system = system
        self.options = options
        self.format = format
    }
}
