/// A minimal reader of the protobuf wire format, enough to walk descriptor protos: it yields the
/// length-delimited fields of one message and skips everything else.
struct ProtoWireReader {
    /// The bytes are not a well-formed protobuf message.
    struct MalformedError: Error {}

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    /// All length-delimited fields of `bytes`, in order, as (field number, payload).
    static func lengthDelimitedFields(of bytes: ArraySlice<UInt8>) throws -> [(number: UInt64, payload: ArraySlice<UInt8>)] {
        var reader = ProtoWireReader(bytes)
        var fields: [(number: UInt64, payload: ArraySlice<UInt8>)] = []
        while let field = try reader.nextLengthDelimitedField() {
            fields.append(field)
        }
        return fields
    }

    /// The next length-delimited field, skipping fields of other wire types; nil at the end.
    mutating func nextLengthDelimitedField() throws -> (number: UInt64, payload: ArraySlice<UInt8>)? {
        while position < bytes.endIndex {
            let key = try readVarint()
            switch key & 7 {
            case 0:
                _ = try readVarint()
            case 1:
                try skip(8)
            case 2:
                let length = try readVarint()
                guard length <= UInt64(bytes.endIndex - position) else { throw MalformedError() }
                let payload = bytes[position..<position + Int(length)]
                position += Int(length)
                return (key >> 3, payload)
            case 5:
                try skip(4)
            default:
                // Groups (3, 4) do not occur in descriptors; anything else is corrupt.
                throw MalformedError()
            }
        }
        return nil
    }

    private mutating func readVarint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.endIndex, shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw MalformedError()
    }

    private mutating func skip(_ count: Int) throws {
        guard bytes.endIndex - position >= count else { throw MalformedError() }
        position += count
    }
}
