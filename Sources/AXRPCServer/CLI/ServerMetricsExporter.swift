import AXRPCGateway
import AXRPCOperations

/// Adapts the server's `ServerMetrics` (the registry every front end feeds) to the gateway.
/// An adapter rather than a conformance of `ServerMetrics` itself, so that the metrics code
/// stays free to add its own without the two clashing.
struct ServerMetricsExporter: GatewayMetricsExporter {
    let metrics: ServerMetrics

    func prometheusText() async -> String {
        metrics.prometheusText()
    }

    func requestFinished(api: String, method: String, code: String) {
        metrics.requestFinished(api: api, method: method, code: code)
    }
}
