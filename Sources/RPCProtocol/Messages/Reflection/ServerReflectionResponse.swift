/// An answer of server reflection (`grpc.reflection.v1` and `v1alpha`, wire-identical).
public struct ServerReflectionResponse: Sendable, Equatable {
    /// The `message_response` oneof, with the single-purpose wrapper messages flattened.
    public enum Response: Sendable, Equatable {
        /// Serialized `FileDescriptorProto`s: the requested file first, then its dependencies.
        case fileDescriptorResponse([[UInt8]])
        case allExtensionNumbersResponse(baseTypeName: String, extensionNumbers: [Int32])
        /// Fully-qualified service names.
        case listServicesResponse([String])
        /// `code` is a gRPC status code.
        case errorResponse(code: Int32, message: String)
    }

    public var validHost: String
    public var originalRequest: ServerReflectionRequest?
    public var response: Response?

    public init(validHost: String = "", originalRequest: ServerReflectionRequest? = nil, response: Response? = nil) {
        self.validHost = validHost
        self.originalRequest = originalRequest
        self.response = response
    }
}
