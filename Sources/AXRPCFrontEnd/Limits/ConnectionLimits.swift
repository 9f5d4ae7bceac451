import NIOCore

/// What every accepted connection of a port is held to (see `LimitOptions`).
package struct ConnectionLimits: Sendable {
    package var maxConnections = 512
    /// TLS handshake plus the first bytes of the first request; nil: no limit.
    package var firstRequestTimeout: TimeAmount? = .seconds(10)
    /// No byte in either direction for this long; nil: never.
    package var idleTimeout: TimeAmount? = .seconds(300)

    package init(maxConnections: Int = 512, firstRequestTimeout: TimeAmount? = .seconds(10),
                 idleTimeout: TimeAmount? = .seconds(300)) {
        self.maxConnections = maxConnections
        self.firstRequestTimeout = firstRequestTimeout
        self.idleTimeout = idleTimeout
    }
}
