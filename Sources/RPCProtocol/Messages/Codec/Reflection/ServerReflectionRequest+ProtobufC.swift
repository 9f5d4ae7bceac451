import CAXRPCProto
import NIOCore

// v1alpha requests decode with the v1 functions: the two packages differ only in their names.
extension ServerReflectionRequest: WireMessage, ProtobufCBridged {
    public static let protoName = "grpc.reflection.v1.ServerReflectionRequest"
    public init(wireBytes: ByteBuffer) throws { self = try ProtobufCCoding.decode(Self.self, from: wireBytes) }
    public var serializedSize: Int { ProtobufCCoding.serializedSize(self) }
    public func serialize(into buffer: inout ByteBuffer) { ProtobufCCoding.serialize(self, into: &buffer) }

    static var cFunctions: ProtobufCFunctions<Grpc__Reflection__V1__ServerReflectionRequest> {
        .init(packedSize: grpc__reflection__v1__server_reflection_request__get_packed_size,
              pack: grpc__reflection__v1__server_reflection_request__pack,
              unpack: grpc__reflection__v1__server_reflection_request__unpack,
              freeUnpacked: grpc__reflection__v1__server_reflection_request__free_unpacked)
    }

    func cMessage(in arena: CArena) -> Grpc__Reflection__V1__ServerReflectionRequest {
        var c = Grpc__Reflection__V1__ServerReflectionRequest()
        grpc__reflection__v1__server_reflection_request__init(&c)
        c.host = arena.string(host)
        switch request {
        case nil:
            break
        case .fileByFilename(let name):
            c.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME
            c.file_by_filename = arena.string(name)
        case .fileContainingSymbol(let symbol):
            c.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL
            c.file_containing_symbol = arena.string(symbol)
        case .fileContainingExtension(let containingType, let extensionNumber):
            var ext = Grpc__Reflection__V1__ExtensionRequest()
            grpc__reflection__v1__extension_request__init(&ext)
            ext.containing_type = arena.string(containingType)
            ext.extension_number = extensionNumber
            c.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION
            c.file_containing_extension = arena.object(ext)
        case .allExtensionNumbersOfType(let type):
            c.message_request_case =
                GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE
            c.all_extension_numbers_of_type = arena.string(type)
        case .listServices(let text):
            c.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES
            c.list_services = arena.string(text)
        }
        return c
    }

    init(cMessage c: Grpc__Reflection__V1__ServerReflectionRequest) throws {
        let name = Self.protoName
        let request: Request?
        switch c.message_request_case {
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
            request = .fileByFilename(try CField.string(c.file_by_filename, "\(name).file_by_filename"))
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
            request = .fileContainingSymbol(try CField.string(c.file_containing_symbol, "\(name).file_containing_symbol"))
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
            let ext = c.file_containing_extension?.pointee
            request = .fileContainingExtension(
                containingType: try CField.string(ext?.containing_type, "grpc.reflection.v1.ExtensionRequest.containing_type"),
                extensionNumber: ext?.extension_number ?? 0)
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
            request = .allExtensionNumbersOfType(
                try CField.string(c.all_extension_numbers_of_type, "\(name).all_extension_numbers_of_type"))
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
            request = .listServices(try CField.string(c.list_services, "\(name).list_services"))
        default:
            request = nil
        }
        self.init(host: try CField.string(c.host, "\(name).host"), request: request)
    }
}
