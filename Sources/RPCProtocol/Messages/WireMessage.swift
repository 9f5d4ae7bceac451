import NIOCore

/// A message of the API that can be read from and written to the wire (via protobuf-c).
public protocol WireMessage: Sendable {
    /// Parses a serialized message. Throws `RPCError(.internalError, "could not parse <full.proto.Name>: ...")`
    /// on malformed bytes, and `RPCError(.internalError, ...)` for a string field that is not UTF-8.
    init(wireBytes: ByteBuffer) throws
    var serializedSize: Int { get }
    /// Appends the serialized bytes to `buffer`.
    func serialize(into buffer: inout ByteBuffer)
    /// The fully-qualified protobuf name, e.g. "axrpc.v1.HealthResponse".
    static var protoName: String { get }
}
