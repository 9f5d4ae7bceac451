import AXRPCFrontEnd
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Open connections of one listening port. A connection over the limit is refused in its own
/// protocol and never counted, so the ones already served are not disturbed.
package final class ConnectionCounter: Sendable {
    package init() {}

    private let open = NIOLockedValueBox(0)

    package func tryAcquire(limit: Int) -> Bool {
        open.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    package func release() {
        open.withLockedValue { $0 -= 1 }
    }

    package var count: Int { open.withLockedValue { $0 } }
}

/// Which protocol a port speaks, for the refusal and the log.
package enum ConnectionProtocol: Sendable {
    case grpc, http
}

/// Installs the connection limits on a freshly accepted channel, after TLS (so that the
/// refusal is readable by the client) and before the protocol's own handler.
package enum ConnectionGuards {
    /// false: the connection is over the limit and a refusal is installed instead; the caller
    /// adds no protocol handler.
    package static func install(_ channel: any Channel, limits: ConnectionLimits, counter: ConnectionCounter,
                        kind: ConnectionProtocol, logger: Logger) throws -> Bool {
        let pipeline = channel.pipeline.syncOperations
        guard counter.tryAcquire(limit: limits.maxConnections) else {
            logger.warning("refused a connection: the port has as many open as allowed",
                           metadata: ["peer": "\(channel.remoteAddress.map { "\($0)" } ?? "unknown")",
                                      "protocol": "\(kind)", "limit": "\(limits.maxConnections)",
                                      "flag": "--max-connections"])
            try pipeline.addHandler(ConnectionRefusalHandler(kind: kind))
            return false
        }
        channel.closeFuture.whenComplete { _ in counter.release() }
        if limits.firstRequestTimeout != nil || limits.idleTimeout != nil {
            try pipeline.addHandler(ConnectionTimeoutHandler(limits: limits, logger: logger))
        }
        return true
    }
}
