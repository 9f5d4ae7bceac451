import Logging
import NIOConcurrencyHelpers

/// Names one request (a gRPC call or an HTTP request) in every log line about it, from the front
/// end through the queue into the runtime session, and in errors a client is shown, so that a
/// user's report can be matched with the server's log.
package enum RequestID {
    /// The metadata key every line of a request carries.
    package static let metadataKey = "request_id"

    private static let counter = NIOLockedValueBox<UInt64>(0)
    /// Differs between runs of the server, so ids in a long journal do not repeat.
    private static let run = String(UInt32.random(in: 0 ... .max), radix: 36)

    /// A new id, `<run>-<n>`.
    package static func next() -> String {
        let number = counter.withLockedValue { value -> UInt64 in
            value &+= 1
            return value
        }
        return "\(run)-\(number)"
    }

    /// `base` with a fresh id in its metadata, and the id.
    package static func logger(from base: Logger) -> (Logger, String) {
        let id = next()
        var logger = base
        logger[metadataKey: metadataKey] = "\(id)"
        return (logger, id)
    }
}
