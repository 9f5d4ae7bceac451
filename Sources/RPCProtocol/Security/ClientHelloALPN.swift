/// Reads the ALPN protocols a TLS client offers from the first record of its connection, so the
/// gRPC port can refuse a client that does not offer `h2` with a real TLS alert
/// (`no_application_protocol`) instead of a handshake that succeeds and a connection that then
/// closes for no visible reason. BoringSSL, under swift-nio-ssl, just omits ALPN in that case.
///
/// Faces the network before any authentication: every length is checked, nothing traps (a
/// fuzz target, `client-hello`, holds it to that). In RPCProtocol so the fuzzer can link it.
public enum ClientHelloALPN {
    public enum Outcome: Equatable, Sendable {
        /// The first record is not complete yet.
        case needMore
        /// Not a TLS handshake record: let the TLS handler produce its own error.
        case notTLS
        /// A ClientHello too large or split over records to judge here: let TLS decide.
        case undecidable
        /// The offered protocols, empty when the client sent no ALPN extension.
        case offered([String])
    }

    /// The largest record a ClientHello is looked for in (TLS's 16 KiB plus room).
    public static let maxRecordLength = 16_384 + 2048

    public static func inspect(_ bytes: some Collection<UInt8>) -> Outcome {
        let bytes = Array(bytes)
        guard let first = bytes.first else { return .needMore }
        guard first == 0x16 else { return .notTLS }
        guard bytes.count >= 5 else { return .needMore }
        guard bytes[1] == 0x03 else { return .notTLS }
        let recordLength = Int(bytes[3]) << 8 | Int(bytes[4])
        guard recordLength <= maxRecordLength else { return .undecidable }
        guard bytes.count >= 5 + recordLength else { return .needMore }
        var reader = Reader(bytes: bytes[5..<(5 + recordLength)])
        guard let type = reader.byte(), type == 1, let length = reader.integer(3) else { return .notTLS }
        guard length <= reader.remaining else { return .undecidable }
        guard var hello = reader.slice(length) else { return .undecidable }
        guard hello.skip(2 + 32), hello.skipVector(lengthBytes: 1), hello.skipVector(lengthBytes: 2),
              hello.skipVector(lengthBytes: 1) else { return .notTLS }
        if hello.remaining == 0 { return .offered([]) }
        guard let extensionsLength = hello.integer(2), var extensions = hello.slice(extensionsLength) else { return .notTLS }
        while extensions.remaining > 0 {
            guard let type = extensions.integer(2), let size = extensions.integer(2),
                  var body = extensions.slice(size) else { return .notTLS }
            guard type == 16 else { continue }
            guard let listLength = body.integer(2), var list = body.slice(listLength) else { return .notTLS }
            var protocols: [String] = []
            while list.remaining > 0 {
                guard let nameLength = list.integer(1), nameLength > 0, let name = list.slice(nameLength) else { return .notTLS }
                protocols.append(String(decoding: name.rest, as: UTF8.self))
            }
            return .offered(protocols)
        }
        return .offered([])
    }

    /// A bounds-checked cursor over bytes.
    private struct Reader {
        var bytes: ArraySlice<UInt8>
        var remaining: Int { bytes.count }
        var rest: ArraySlice<UInt8> { bytes }

        mutating func byte() -> UInt8? { bytes.popFirst() }

        mutating func integer(_ count: Int) -> Int? {
            guard bytes.count >= count else { return nil }
            var value = 0
            for _ in 0..<count { value = value << 8 | Int(bytes.removeFirst()) }
            return value
        }

        mutating func slice(_ count: Int) -> Reader? {
            guard count >= 0, bytes.count >= count else { return nil }
            let part = bytes.prefix(count)
            bytes = bytes.dropFirst(count)
            return Reader(bytes: part)
        }

        mutating func skip(_ count: Int) -> Bool { slice(count) != nil }

        mutating func skipVector(lengthBytes: Int) -> Bool {
            guard let length = integer(lengthBytes) else { return false }
            return skip(length)
        }
    }
}
