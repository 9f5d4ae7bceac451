/// The life cycle of the supervised runtime process.
public enum RuntimePhase: Sendable, Equatable {
    case starting, ready, busy, restarting, failed, stopped
}

/// A snapshot of the runtime and its queue, as health endpoints report it.
public struct RuntimeStatus: Sendable, Equatable {
    public var phase: RuntimePhase
    public var model: String
    public var queueDepth: Int
    public var queueCapacity: Int
    public var restarts: Int
    /// The last failure, quoting the runtime's own last lines where there are any; "" when none.
    public var lastError: String
    /// The runtime is the built-in emulator, not hardware.
    public var emulated: Bool

    public init(phase: RuntimePhase, model: String, queueDepth: Int = 0, queueCapacity: Int = 0,
                restarts: Int = 0, lastError: String = "", emulated: Bool = false) {
        self.phase = phase
        self.model = model
        self.queueDepth = queueDepth
        self.queueCapacity = queueCapacity
        self.restarts = restarts
        self.lastError = lastError
        self.emulated = emulated
    }

    /// Ready or busy: requests will be served.
    public var isServing: Bool { phase == .ready || phase == .busy }
}

/// A model the server can run, as ListModels and the gateway's tag list show it.
public struct ModelDescriptor: Sendable, Equatable {
    public var name: String
    public var family: String
    public var parameterSize: String
    public var quantization: String
    public var contextLength: Int
    public var emulated: Bool
    public var isDefault: Bool
    public init(name: String, family: String, parameterSize: String, quantization: String,
                contextLength: Int, emulated: Bool, isDefault: Bool) {
        self.name = name
        self.family = family
        self.parameterSize = parameterSize
        self.quantization = quantization
        self.contextLength = contextLength
        self.emulated = emulated
        self.isDefault = isDefault
    }
}
