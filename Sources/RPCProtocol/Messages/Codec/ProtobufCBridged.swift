import CAXRPCProto

/// A Swift message with a protobuf-c twin: how to build the C struct and read it back.
/// Internal, so that no other module ever sees a C struct of a message.
protocol ProtobufCBridged: WireMessage {
    associatedtype CMessage
    static var cFunctions: ProtobufCFunctions<CMessage> { get }
    /// The C struct; every pointer in it points into `arena`.
    func cMessage(in arena: CArena) -> CMessage
    /// Reads an unpacked struct, validating strings.
    init(cMessage: CMessage) throws
}

/// The four generated functions of one message type.
struct ProtobufCFunctions<C> {
    let packedSize: (UnsafePointer<C>?) -> Int
    let pack: (UnsafePointer<C>?, UnsafeMutablePointer<UInt8>?) -> Int
    let unpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<C>?
    let freeUnpacked: (UnsafeMutablePointer<C>?, UnsafeMutablePointer<ProtobufCAllocator>?) -> Void
}

/// Helpers to read fields of unpacked structs.
enum CField {
    /// protobuf-c does not check UTF-8, proto3 requires it.
    static func string(_ pointer: UnsafePointer<CChar>?, _ field: @autoclosure () -> String) throws -> String {
        guard let pointer else { return "" }
        guard let text = String(validatingCString: pointer) else {
            throw RPCError(.internalError, "invalid UTF-8 in string field \(field())")
        }
        return text
    }

    static func strings(_ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                        _ field: @autoclosure () -> String) throws -> [String] {
        guard count > 0, let pointer else { return [] }
        return try UnsafeBufferPointer(start: pointer, count: count).map { try string($0, field()) }
    }

    /// Decodes each non-NULL element of a `T **` array.
    static func messages<T, M: ProtobufCBridged>(_ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?,
                                                  as type: M.Type) throws -> [M] where M.CMessage == T {
        guard count > 0, let pointer else { return [] }
        return try UnsafeBufferPointer(start: pointer, count: count).compactMap { element in
            try element.map { try M(cMessage: $0.pointee) }
        }
    }

    static func message<T, M: ProtobufCBridged>(_ pointer: UnsafeMutablePointer<T>?, as type: M.Type) throws -> M?
        where M.CMessage == T {
        try pointer.map { try M(cMessage: $0.pointee) }
    }

    static func values<T>(_ count: Int, _ pointer: UnsafeMutablePointer<T>?) -> [T] {
        guard count > 0, let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let pointer = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: data.len))
    }

    static func bool(_ value: protobuf_c_boolean) -> Bool { value != 0 }

    static func cBool(_ value: Bool) -> protobuf_c_boolean { value ? 1 : 0 }
}
