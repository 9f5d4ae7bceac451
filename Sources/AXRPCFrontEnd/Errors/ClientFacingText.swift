import Logging
import RuntimeBridge

/// What a client is told about a bridge failure. The bridge's own wording is written for people,
/// but an unavailable runtime's message goes on to quote why it died (its last output lines,
/// exit codes, the address it listened on): those are for the operator and go to the log under
/// the request id, while the client gets the summary before them and that id.
package enum ClientFacingText {
    package static func describe(_ error: BridgeError, logger: Logger?) -> String {
        guard case let .unavailable(message) = error else { return error.description }
        let summary = message.split(separator: ":", maxSplits: 1).first.map(String.init) ?? message
        guard summary != message else { return message }
        logger?.info("the runtime is unavailable", metadata: ["detail": "\(message)"])
        let id = logger?[metadataKey: RequestID.metadataKey].map { ", request id \($0)" } ?? ""
        return "\(summary) (the server log has the details\(id))"
    }
}
