
/// What the gateway needs from the metrics side: the Prometheus text for `GET /metrics`, and a
/// place to count each finished HTTP request. Kept this small so that the gateway does not
/// depend on how metrics are collected.
package protocol GatewayMetricsExporter: Sendable {
    /// The whole exposition, in the Prometheus text format (version 0.0.4).
    func prometheusText() async -> String
    /// One finished request: `api` is "ollama", "openai" or "http" (probes, /metrics, unknown
    /// paths), `method` the route ("api/generate", "v1/chat/completions", ...; "unknown" for paths
    /// that match none, so the label set stays bounded), `code` the HTTP status as text, "499" when
    /// the client went away first, or for a stream that failed after its 200 head, the status the
    /// failure maps to.
    func requestFinished(api: String, method: String, code: String)
}

extension GatewayMetricsExporter {
    /// Exporters that only render text count nothing.
    package func requestFinished(api: String, method: String, code: String) {}
}
