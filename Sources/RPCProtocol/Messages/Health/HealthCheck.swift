/// A `grpc.health.v1.Health` question: which service (`""` = the whole server).
public struct HealthCheckRequest: Sendable, Equatable {
    public var service: String

    public init(service: String = "") {
        self.service = service
    }
}

/// A `grpc.health.v1.Health` answer.
public struct HealthCheckResponse: Sendable, Equatable {
    /// The standard health states; values this build does not know are kept.
    public enum ServingStatus: Sendable, Hashable, RawRepresentable {
        case unknown
        case serving
        case notServing
        /// Used only by Watch.
        case serviceUnknown
        case unrecognized(Int32)

        public init(rawValue: Int32) {
            switch rawValue {
            case 0: self = .unknown
            case 1: self = .serving
            case 2: self = .notServing
            case 3: self = .serviceUnknown
            default: self = .unrecognized(rawValue)
            }
        }

        public var rawValue: Int32 {
            switch self {
            case .unknown: 0
            case .serving: 1
            case .notServing: 2
            case .serviceUnknown: 3
            case .unrecognized(let value): value
            }
        }
    }

    public var status: ServingStatus

    public init(status: ServingStatus = .unknown) {
        self.status = status
    }
}
