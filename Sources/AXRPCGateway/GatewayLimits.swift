import AXRPCFrontEnd
import AXRPCSecurity

/// The HTTP gateway's share of `LimitOptions`.
package struct GatewayLimits: Sendable {
    package var connections = ConnectionLimits()
    package var maxBodyBytes = GatewayChannelHandler.defaultMaxBodyBytes
    package var maxHeaderListBytes = 16 * 1024

    package init(connections: ConnectionLimits = ConnectionLimits(),
                 maxBodyBytes: Int = GatewayChannelHandler.defaultMaxBodyBytes, maxHeaderListBytes: Int = 16 * 1024) {
        self.connections = connections
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderListBytes = maxHeaderListBytes
    }
}
