import AXRPCFrontEnd
import AXRPCSecurity
import NIOCore
import RPCProtocol

/// Limits of the HTTP/2 transport, per connection and per stream.
package struct TransportConfiguration: Sendable {
    package init() {}

    /// Largest request message accepted (RESOURCE_EXHAUSTED beyond).
    package var maxMessageSize = MessageDeframer.defaultMaxMessageSize
    /// Advertised in SETTINGS and enforced here, because nghttp2 1.52 only advertises it.
    package var maxHeaderListSize = 16 * 1024
    package var maxConcurrentStreams: UInt32 = 1000
    /// A streaming writer waits while more than this many bytes are queued on its stream.
    package var streamSendHighWater = 64 * 1024
    /// Rapid-reset protection (CVE-2023-44487): RST_STREAM burst and refill rate per second.
    package var streamResetBurst: UInt64 = 1000
    package var streamResetRate: UInt64 = 33
    /// Between the shutdown notice and the final GOAWAY, so in-flight requests are counted.
    package var goawayDelay = TimeAmount.milliseconds(100)
    /// Told of every call's end: the method's label (`RPCRoute.label`; nil when no such method
    /// exists) and status.
    package var callFinished: (@Sendable (_ method: String?, _ code: StatusCode) -> Void)?
    /// Which calls need a bearer key (`--api-key-file`); open by default.
    package var access = AccessPolicy.open
    /// TLS (`--tls-cert`); nil: cleartext h2c.
    package var tls: TLSContextStore?
    /// Connections per port, first-request and idle timeouts (`LimitOptions`).
    package var connectionLimits = ConnectionLimits()
}
