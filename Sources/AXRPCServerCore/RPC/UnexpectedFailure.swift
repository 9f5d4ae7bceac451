import AXRPCFrontEnd
import Logging
import RPCProtocol

/// The status for an error no handler expected (neither an `RPCError` nor a cancellation): the
/// client learns that it happened and the request id to quote; the error itself, whose text may
/// name Swift types, files or internal addresses, goes only to the call's log.
package enum UnexpectedFailure {
    package static func status(for error: any Error, logger: Logger) -> RPCError {
        logger.error("call failed with an unexpected error", metadata: ["error": "\(String(reflecting: error))"])
        let id = logger[metadataKey: RequestID.metadataKey].map { " (request id \($0))" } ?? ""
        return RPCError(.unknown, "internal server error\(id); the server log has the details")
    }
}
