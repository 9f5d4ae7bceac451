import CAXRPCProto
import NIOCore

// The wrapper messages of the oneof exist only here, as C structs built on the fly.
extension ServerReflectionResponse: WireMessage, ProtobufCBridged {
    public static let protoName = "grpc.reflection.v1.ServerReflectionResponse"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Grpc__Reflection__V1__ServerReflectionResponse> {
        .init(packedSize: grpc__reflection__v1__server_reflection_response__get_packed_size,
              pack: grpc__reflection__v1__server_reflection_response__pack,
              unpack: grpc__reflection__v1__server_reflection_response__unpack,
              freeUnpacked: grpc__reflection__v1__server_reflection_response__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Grpc__Reflection__V1__ServerReflectionResponse {
        var c = Grpc__Reflection__V1__ServerReflectionResponse()
        grpc__reflection__v1__server_reflection_response__init(&c)
        c.valid_host = arena.string(validHost)
        c.original_request = originalRequest.map { arena.object($0.cMessage(in: arena)) }
        switch response {
        case nil:
            break
        case .fileDescriptorResponse(let files):
            var wrapper = Grpc__Reflection__V1__FileDescriptorResponse()
            grpc__reflection__v1__file_descriptor_response__init(&wrapper)
            (wrapper.n_file_descriptor_proto, wrapper.file_descriptor_proto) = arena.values(files.map(arena.binary))
            c.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE
            c.file_descriptor_response = arena.object(wrapper)
        case .allExtensionNumbersResponse(let baseTypeName, let extensionNumbers):
            var wrapper = Grpc__Reflection__V1__ExtensionNumberResponse()
            grpc__reflection__v1__extension_number_response__init(&wrapper)
            wrapper.base_type_name = arena.string(baseTypeName)
            (wrapper.n_extension_number, wrapper.extension_number) = arena.values(extensionNumbers)
            c.message_response_case =
                GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE
            c.all_extension_numbers_response = arena.object(wrapper)
        case .listServicesResponse(let names):
            var wrapper = Grpc__Reflection__V1__ListServiceResponse()
            grpc__reflection__v1__list_service_response__init(&wrapper)
            (wrapper.n_service, wrapper.service) = arena.objects(names.map { name in
                var service = Grpc__Reflection__V1__ServiceResponse()
                grpc__reflection__v1__service_response__init(&service)
                service.name = arena.string(name)
                return service
            })
            c.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE
            c.list_services_response = arena.object(wrapper)
        case .errorResponse(let code, let message):
            var wrapper = Grpc__Reflection__V1__ErrorResponse()
            grpc__reflection__v1__error_response__init(&wrapper)
            wrapper.error_code = code
            wrapper.error_message = arena.string(message)
            c.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE
            c.error_response = arena.object(wrapper)
        }
        return c
    }

    init(cMessage c: Grpc__Reflection__V1__ServerReflectionResponse) throws {
        self.init(validHost: try CField.string(c.valid_host, "\(Self.protoName).valid_host"),
                  originalRequest: try CField.message(c.original_request, as: ServerReflectionRequest.self),
                  response: try Self.response(of: c))
    }

    private static func response(of c: Grpc__Reflection__V1__ServerReflectionResponse) throws -> Response? {
        switch c.message_response_case {
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE:
            let wrapper = c.file_descriptor_response?.pointee
            return .fileDescriptorResponse(
                CField.values(wrapper?.n_file_descriptor_proto ?? 0, wrapper?.file_descriptor_proto).map(CField.bytes))
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE:
            let wrapper = c.all_extension_numbers_response?.pointee
            return .allExtensionNumbersResponse(
                baseTypeName: try CField.string(wrapper?.base_type_name,
                                                "grpc.reflection.v1.ExtensionNumberResponse.base_type_name"),
                extensionNumbers: CField.values(wrapper?.n_extension_number ?? 0, wrapper?.extension_number))
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE:
            let wrapper = c.list_services_response?.pointee
            let services = CField.values(wrapper?.n_service ?? 0, wrapper?.service)
            return .listServicesResponse(try services.compactMap { service in
                try service.map { try CField.string($0.pointee.name, "grpc.reflection.v1.ServiceResponse.name") }
            })
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE:
            let wrapper = c.error_response?.pointee
            return .errorResponse(
                code: wrapper?.error_code ?? 0,
                message: try CField.string(wrapper?.error_message, "grpc.reflection.v1.ErrorResponse.error_message"))
        default:
            return nil
        }
    }
}
