import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus
import RuntimeBridge

/// The server's Prometheus metrics, fed by every front end (gRPC, HTTP gateway) and by the
/// engine's status, and rendered in the Prometheus text format for `GET /metrics`. Names follow
/// what operators of vLLM, TGI and llama.cpp already graph.
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    private let queueDepth: CoreMetrics.Gauge
    private let queueCapacity: CoreMetrics.Gauge
    private let runtimeState: CoreMetrics.Gauge
    private let runtimeRestarts: CoreMetrics.Counter
    private let restartsSeen = NIOLockedValueBox(0)
    private let tokensGenerated: CoreMetrics.Counter
    private let contextReused: CoreMetrics.Counter
    private let decodeRate: CoreMetrics.Gauge
    private let queueWait: CoreMetrics.Timer
    private let timeToFirstToken: CoreMetrics.Timer
    private let generationTime: CoreMetrics.Timer

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Generation on the NPU takes seconds to minutes; the default buckets stop at 10 s.
        let slow: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
                                .seconds(120), .seconds(300)]
        factory.defaultDurationHistogramBuckets = slow
        self.registry = registry
        self.factory = factory
        queueDepth = CoreMetrics.Gauge(label: "axrpc_queue_depth", factory: factory)
        queueCapacity = CoreMetrics.Gauge(label: "axrpc_queue_capacity", factory: factory)
        runtimeState = CoreMetrics.Gauge(label: "axrpc_runtime_state", factory: factory)
        runtimeRestarts = CoreMetrics.Counter(label: "axrpc_runtime_restarts_total", factory: factory)
        tokensGenerated = CoreMetrics.Counter(label: "axrpc_tokens_generated_total", factory: factory)
        contextReused = CoreMetrics.Counter(label: "axrpc_context_reused_total", factory: factory)
        decodeRate = CoreMetrics.Gauge(label: "axrpc_decode_tokens_per_second", factory: factory)
        queueWait = CoreMetrics.Timer(label: "axrpc_queue_wait_seconds", factory: factory)
        timeToFirstToken = CoreMetrics.Timer(label: "axrpc_time_to_first_token_seconds", factory: factory)
        generationTime = CoreMetrics.Timer(label: "axrpc_generation_seconds", factory: factory)
    }

    /// One finished call of any front end: `api` is "grpc" or "ollama"/"openai", `code` the gRPC
    /// status name or the HTTP status.
    func requestFinished(api: String, method: String, code: String) {
        CoreMetrics.Counter(label: "axrpc_requests_total", dimensions: [("api", api), ("method", method), ("code", code)],
                factory: factory).increment()
    }

    func record(_ summary: GenerationSummary) {
        tokensGenerated.increment(by: Int64(summary.completionTokens))
        if summary.contextReused { contextReused.increment() }
        if summary.tokensPerSecond > 0 { decodeRate.record(summary.tokensPerSecond) }
        queueWait.recordNanoseconds(Int64(summary.queueMilliseconds * 1_000_000))
        timeToFirstToken.recordNanoseconds(Int64(summary.timeToFirstTokenMilliseconds * 1_000_000))
        generationTime.recordNanoseconds(Int64(summary.generationMilliseconds * 1_000_000))
    }

    func record(_ status: RuntimeStatus) {
        queueDepth.record(status.queueDepth)
        queueCapacity.record(status.queueCapacity)
        // The status carries a running total; the counter moves by what is new since last time.
        let newRestarts = restartsSeen.withLockedValue { seen -> Int in
            defer { seen = max(seen, status.restarts) }
            return max(0, status.restarts - seen)
        }
        if newRestarts > 0 { runtimeRestarts.increment(by: Int64(newRestarts)) }
        runtimeState.record(Self.stateNumber(status.phase))
    }

    /// The values of `axrpc.v1.RuntimeState`, so a dashboard reads the same numbers as the API.
    static func stateNumber(_ phase: RuntimePhase) -> Int {
        switch phase {
        case .starting: return 1
        case .ready: return 2
        case .busy: return 3
        case .restarting: return 4
        case .failed: return 5
        case .stopped: return 6
        }
    }

    func prometheusText() -> String {
        registry.emitToString()
    }
}
