/// What server reflection needs to know about the descriptor set: files by name, the file that
/// defines a symbol, each file's imports, and the services.
public struct DescriptorIndex: Sendable {
    public static let shared = DescriptorIndex(fileDescriptorProtos: DescriptorSet.fileDescriptorProtos)

    private var files: [String: [UInt8]] = [:]
    private var dependenciesByFile: [String: [String]] = [:]
    private var fileBySymbol: [String: String] = [:]
    /// Fully-qualified names of all services, in file order.
    public private(set) var serviceNames: [String] = []

    /// Indexes serialized `FileDescriptorProto`s; a blob that does not parse is left out.
    init(fileDescriptorProtos: [[UInt8]]) {
        for blob in fileDescriptorProtos {
            guard let file = try? FileSummary(blob[...]), files[file.name] == nil else { continue }
            files[file.name] = blob
            dependenciesByFile[file.name] = file.dependencies
            for symbol in file.symbols where fileBySymbol[symbol] == nil {
                fileBySymbol[symbol] = file.name
            }
            serviceNames += file.services
        }
    }

    /// The serialized `FileDescriptorProto` of e.g. "axrpc/v1/inference.proto".
    public func file(named name: String) -> [UInt8]? {
        files[name]
    }

    /// The file defining a fully-qualified message, enum, service, method, field or enum value.
    public func fileName(containingSymbol symbol: String) -> String? {
        fileBySymbol[symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol]
    }

    /// The direct imports of a file.
    public func dependencies(ofFile name: String) -> [String] {
        dependenciesByFile[name] ?? []
    }
}

/// The parts of one `FileDescriptorProto` the index keeps.
private struct FileSummary {
    var name = ""
    var dependencies: [String] = []
    var symbols: [String] = []
    var services: [String] = []

    init(_ bytes: ArraySlice<UInt8>) throws {
        let fields = try ProtoWireReader.lengthDelimitedFields(of: bytes)
        var package = ""
        for field in fields {
            switch field.number {
            case 1: name = Self.text(field.payload)
            case 2: package = Self.text(field.payload)
            case 3: dependencies.append(Self.text(field.payload))
            default: break
            }
        }
        for field in fields {
            switch field.number {
            case 4: try addMessage(field.payload, scope: package)
            case 5: try addEnum(field.payload, scope: package)
            case 6: try addService(field.payload, scope: package)
            default: break
            }
        }
    }

    /// DescriptorProto: 1 name, 2 field, 3 nested_type, 4 enum_type.
    private mutating func addMessage(_ bytes: ArraySlice<UInt8>, scope: String) throws {
        let fields = try ProtoWireReader.lengthDelimitedFields(of: bytes)
        let qualified = Self.qualify(try Self.name(of: fields), in: scope)
        symbols.append(qualified)
        for field in fields {
            switch field.number {
            case 2: symbols.append(Self.qualify(try Self.name(of: field.payload), in: qualified))
            case 3: try addMessage(field.payload, scope: qualified)
            case 4: try addEnum(field.payload, scope: qualified)
            default: break
            }
        }
    }

    /// EnumDescriptorProto: 1 name, 2 value. Values are scoped beside their enum, as in C++.
    private mutating func addEnum(_ bytes: ArraySlice<UInt8>, scope: String) throws {
        let fields = try ProtoWireReader.lengthDelimitedFields(of: bytes)
        symbols.append(Self.qualify(try Self.name(of: fields), in: scope))
        for field in fields where field.number == 2 {
            symbols.append(Self.qualify(try Self.name(of: field.payload), in: scope))
        }
    }

    /// ServiceDescriptorProto: 1 name, 2 method.
    private mutating func addService(_ bytes: ArraySlice<UInt8>, scope: String) throws {
        let fields = try ProtoWireReader.lengthDelimitedFields(of: bytes)
        let qualified = Self.qualify(try Self.name(of: fields), in: scope)
        symbols.append(qualified)
        services.append(qualified)
        for field in fields where field.number == 2 {
            symbols.append(Self.qualify(try Self.name(of: field.payload), in: qualified))
        }
    }

    private static func name(of bytes: ArraySlice<UInt8>) throws -> String {
        try name(of: ProtoWireReader.lengthDelimitedFields(of: bytes))
    }

    private static func name(of fields: [(number: UInt64, payload: ArraySlice<UInt8>)]) throws -> String {
        guard let field = fields.first(where: { $0.number == 1 }) else { throw ProtoWireReader.MalformedError() }
        return text(field.payload)
    }

    private static func qualify(_ name: String, in scope: String) -> String {
        scope.isEmpty ? name : "\(scope).\(name)"
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
