import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's `LogHandler`: one event, one line on stderr, written with one `write(2)` so that
/// lines from different threads never interleave. The shape is the `LogFormat`'s; the
/// executable picks the level, libraries only say what happened.
package struct LineLogHandler: LogHandler {
    package let label: String
    package let format: LogFormat
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?

    package init(label: String, format: LogFormat, logLevel: Logger.Level = .info) {
        self.label = label
        self.format = format
        self.logLevel = logLevel
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = LogLineFormatter.line(format: format, timestamp: LogTimestamp.now(), level: event.level,
                                         label: label, message: "\(event.message)", metadata: merged)
        line.append("\n")
        line.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}
