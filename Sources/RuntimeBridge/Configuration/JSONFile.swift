#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes the small JSON files of a model directory, turning decoder errors into messages
/// that name the file and the key ("runtime.command: missing") instead of Swift types.
enum JSONFile {
    static func decode<T: Decodable>(_ type: T.Type, at path: String) throws(ConfigurationError) -> T {
        guard let bytes = FileInspection.contents(of: path) else {
            throw .invalidFile(path, "cannot be read (check its permissions)")
        }
        if bytes.starts(with: FileInspection.lfsPointerPrefix) {
            throw .lfsPointer(path, "JSON file")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidFile(path, describe(error))
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw .invalidFile(path, "not valid JSON (\(error))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func keyPath(_ path: [any CodingKey]) -> String {
            let text = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacing(".[", with: "[")
            return text.isEmpty ? "the top level" : "\"\(text)\""
        }
        switch error {
        case let .keyNotFound(key, context):
            return "missing required key \(keyPath(context.codingPath + [key]))"
        case let .typeMismatch(type, context):
            return "\(keyPath(context.codingPath)) must be \(typeName(type))"
        case let .valueNotFound(type, context):
            return "\(keyPath(context.codingPath)) must be \(typeName(type)), not null"
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty {
                return "not valid JSON (\(context.underlyingError.map { "\($0)" } ?? context.debugDescription))"
            }
            return "\(keyPath(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Double.Type, is Float.Type: return "a number"
        case is [String].Type: return "an array of strings"
        case is [String: String].Type: return "an object of string values"
        default: return "an object"
        }
    }
}

/// A JSON `true`/`false` that also accepts 0/1, as hand-edited vendor files sometimes use.
struct LenientBool: Decodable, Equatable {
    var value: Bool

    init(_ value: Bool) {
        self.value = value
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bool = try? container.decode(Bool.self) {
            value = bool
        } else if let number = try? container.decode(Int.self), number == 0 || number == 1 {
            value = number == 1
        } else {
            throw DecodingError.typeMismatch(Bool.self, .init(codingPath: decoder.codingPath, debugDescription: "expected true or false"))
        }
    }
}
