import JSONText
import Logging

/// Renders one log event as one line in a `LogFormat`. Pure, so the shapes are unit-tested.
/// Whatever a message or value holds (the runtime's last lines), the result has no line break:
/// text escapes it inside a quoted value, JSON inside a string.
package enum LogLineFormatter {
    package static func line(format: LogFormat, timestamp: String, level: Logger.Level, label: String,
                             message: String, metadata: Logger.Metadata) -> String {
        let fields = metadata.sorted { $0.key < $1.key }
        switch format {
        case .text:
            var line = "\(timestamp) \(level) \(label): \(oneLine(message))"
            for (key, value) in fields { line += " \(key)=\(textValue(value))" }
            return line
        case .journal:
            var line = "<\(priority(level))>\(label): \(oneLine(message))"
            for (key, value) in fields { line += " \(key)=\(textValue(value))" }
            return line
        case .json:
            var line = "{\"ts\":\(jsonString(timestamp)),\"level\":\(jsonString("\(level)")),"
                + "\"label\":\(jsonString(label)),\"msg\":\(jsonString(message))"
            for (key, value) in fields where !["ts", "level", "label", "msg"].contains(key) {
                line += ",\(jsonString(key)):\(jsonValue(value))"
            }
            return line + "}"
        }
    }

    /// syslog priorities: swift-log's levels mapped onto emerg(0)...debug(7).
    package static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// A message on one line: line breaks become a visible `\n`.
    private static func oneLine(_ text: String) -> String {
        guard text.contains(where: \.isNewline) else { return text }
        return text.replacing("\r\n", with: "\\n").replacing("\n", with: "\\n").replacing("\r", with: "\\n")
    }

    /// Bare when it is one plain word, otherwise quoted with `"`, `\` and control characters escaped.
    private static func textValue(_ value: Logger.Metadata.Value) -> String {
        let text = "\(value)"
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && scalar != "\"" && scalar != "=" && scalar != "\\"
        }
        return plain ? text : jsonString(text)
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case let .string(text): return jsonString(text)
        case let .stringConvertible(convertible): return jsonString(convertible.description)
        case let .array(values): return "[" + values.map(jsonValue).joined(separator: ",") + "]"
        case let .dictionary(entries):
            return "{" + entries.sorted { $0.key < $1.key }
                .map { jsonString($0.key) + ":" + jsonValue($0.value) }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string literal (RFC 8259 escapes).
    package static func jsonString(_ text: String) -> String { JSONString.quoted(text) }
}
