/// A question to server reflection; `grpc.reflection.v1` and `v1alpha` share these types because
/// the two packages are wire-identical.
public struct ServerReflectionRequest: Sendable, Equatable {
    /// The `message_request` oneof.
    public enum Request: Sendable, Equatable {
        case fileByFilename(String)
        case fileContainingSymbol(String)
        case fileContainingExtension(containingType: String, extensionNumber: Int32)
        case allExtensionNumbersOfType(String)
        /// The string's content is not used by servers (clients conventionally send "" or "*").
        case listServices(String)
    }

    public var host: String
    public var request: Request?

    public init(host: String = "", request: Request? = nil) {
        self.host = host
        self.request = request
    }
}
