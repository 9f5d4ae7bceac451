import CAXRPCProto

/// The serialized `FileDescriptorProto`s of proto/ (with their imports), which reflection serves.
public enum DescriptorSet {
    /// Each `FileDescriptorProto` of the set as protoc wrote it (dependencies before dependents).
    public static var fileDescriptorProtos: [[UInt8]] { files }

    /// The `FileDescriptorSet` itself, copied once out of the generated C array.
    static let serialized: [UInt8] = {
        guard let bytes = axrpc_descriptor_set_bytes() else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(axrpc_descriptor_set_length())))
    }()

    /// `FileDescriptorSet` is `repeated FileDescriptorProto file = 1`.
    private static let files: [[UInt8]] = {
        let fields = (try? ProtoWireReader.lengthDelimitedFields(of: serialized[...])) ?? []
        return fields.filter { $0.number == 1 }.map { Array($0.payload) }
    }()
}
