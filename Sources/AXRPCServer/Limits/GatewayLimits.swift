/// The HTTP gateway's share of `LimitOptions`.
struct GatewayLimits: Sendable {
    var connections = ConnectionLimits()
    var maxBodyBytes = GatewayChannelHandler.defaultMaxBodyBytes
    var maxHeaderListBytes = 16 * 1024
}
