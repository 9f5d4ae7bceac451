/// Asks for the server's state (`axrpc.v1.HealthRequest`); it has no fields.
public struct HealthRequest: Sendable, Equatable {
    public init() {}
}

/// Whether the server takes work (`axrpc.v1.ServingStatus`); values this build does not know are kept.
public enum ServingStatus: Sendable, Hashable, RawRepresentable {
    case unspecified
    case serving
    case notServing
    case unrecognized(Int32)

    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .serving
        case 2: self = .notServing
        default: self = .unrecognized(rawValue)
        }
    }

    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .serving: 1
        case .notServing: 2
        case .unrecognized(let value): value
        }
    }
}

/// The phase of the NPU runtime (`axrpc.v1.RuntimeState`); values this build does not know are kept.
public enum RuntimeState: Sendable, Hashable, RawRepresentable {
    case unspecified
    case starting
    case ready
    case busy
    case restarting
    case failed
    case stopped
    case unrecognized(Int32)

    private static let known: [RuntimeState] = [.unspecified, .starting, .ready, .busy, .restarting, .failed, .stopped]

    public init(rawValue: Int32) {
        self = rawValue >= 0 && Int(rawValue) < Self.known.count ? Self.known[Int(rawValue)] : .unrecognized(rawValue)
    }

    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .starting: 1
        case .ready: 2
        case .busy: 3
        case .restarting: 4
        case .failed: 5
        case .stopped: 6
        case .unrecognized(let value): value
        }
    }
}

/// The server's and the runtime's state (`axrpc.v1.HealthResponse`).
public struct HealthResponse: Sendable, Equatable {
    public var status: ServingStatus
    public var runtimeState: RuntimeState
    public var model: String
    public var queueDepth: UInt32
    public var queueCapacity: UInt32
    public var uptimeSeconds: UInt64
    public var runtimeRestarts: UInt32
    public var lastError: String
    public var version: String
    /// The runtime is the built-in emulator, not hardware.
    public var emulated: Bool

    public init(status: ServingStatus = .unspecified, runtimeState: RuntimeState = .unspecified, model: String = "",
                queueDepth: UInt32 = 0, queueCapacity: UInt32 = 0, uptimeSeconds: UInt64 = 0,
                runtimeRestarts: UInt32 = 0, lastError: String = "", version: String = "", emulated: Bool = false) {
        self.status = status
        self.runtimeState = runtimeState
        self.model = model
        self.queueDepth = queueDepth
        self.queueCapacity = queueCapacity
        self.uptimeSeconds = uptimeSeconds
        self.runtimeRestarts = runtimeRestarts
        self.lastError = lastError
        self.version = version
        self.emulated = emulated
    }
}
