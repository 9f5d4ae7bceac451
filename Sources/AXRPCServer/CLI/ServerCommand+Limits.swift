import AXRPCGateway
import AXRPCOperations
import AXRPCSecurity
import AXRPCServerCore

extension LimitOptions {
    /// The gRPC transport's limits.
    func apply(to transport: inout TransportConfiguration) {
        transport.maxConcurrentStreams = UInt32(maxConcurrentStreams)
        transport.maxMessageSize = maxMessageBytes
        transport.maxHeaderListSize = maxHeaderListBytes
        transport.connectionLimits = connectionLimits
    }

    var gatewayLimits: GatewayLimits {
        GatewayLimits(connections: connectionLimits, maxBodyBytes: maxBodyBytes, maxHeaderListBytes: maxHeaderListBytes)
    }
}

extension SecurityOptions {
    var settings: SecuritySettings {
        SecuritySettings(tlsCert: tlsCert, tlsKey: tlsKey, tlsClientCA: tlsClientCA, apiKeyFile: apiKeyFile,
                         metricsRequireKey: metricsRequireKey)
    }
}
