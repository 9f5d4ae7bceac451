import AXRPCFrontEnd
import NIOConcurrencyHelpers
import Prometheus
import RPCProtocol
import RuntimeBridge

/// The server's Prometheus metrics, fed by every front end (gRPC, HTTP gateway) and by the
/// engine's status, and rendered in the Prometheus text format for `GET /metrics`. Names follow
/// what operators of vLLM, TGI and llama.cpp already graph, and Prometheus' conventions: every
/// family has HELP text, units in the name, `_total` counters, an `axrpc_build_info` gauge of 1,
/// the runtime state as one 0/1 series per state, and gRPC and HTTP outcomes in families of their
/// own (`grpc_code` names, HTTP `code` numbers, bounded route labels).
package final class ServerMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry

    private let queueDepth: Gauge
    private let queueCapacity: Gauge
    private let runtimeStates: [(RuntimePhase, Gauge)]
    private let runtimeRestarts: Counter
    private let restartsSeen = NIOLockedValueBox(0)
    private let tokensGenerated: Counter
    private let contextReused: Counter
    private let decodeRate: Gauge
    private let queueWait: DurationHistogram
    private let timeToFirstToken: DurationHistogram
    private let generationTime: DurationHistogram
    /// The finished-call counters made so far, by their labels. Asking the registry for one on
    /// every call (its lock, the family name built from the descriptor, the label lookup) cost
    /// about 5% of the server's CPU per unary call under `h2load -c 100 -m 1` (perf); the label
    /// values are bounded (routes and status codes), and so is this table.
    private let finishedCounters = NIOLockedValueBox<[FinishedCall: Counter]>([:])

    private struct FinishedCall: Hashable {
        let api: String
        let method: String
        let code: String
    }

    /// Every phase the runtime can be in, with the label value the state gauge uses.
    package static let phases: [(RuntimePhase, String)] = [(.starting, "starting"), (.ready, "ready"), (.busy, "busy"),
                                                   (.restarting, "restarting"), (.failed, "failed"),
                                                   (.stopped, "stopped")]

    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        // Generation on the NPU takes seconds to minutes; the usual default buckets stop at 10 s.
        let slow: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
                                .seconds(120), .seconds(300)]
        registry.makeGauge(descriptor: Self.name("axrpc_build_info",
                                                 "The build of the server: always 1, its labels carry the facts."),
                           labels: [("version", AXRPCVersion.current)]).set(to: 1.0)
        queueDepth = registry.makeGauge(descriptor: Self.name("axrpc_queue_depth",
                                                              "Requests waiting for the runtime or running on it."))
        queueCapacity = registry.makeGauge(descriptor: Self.name("axrpc_queue_capacity",
                                                                 "Requests the queue holds before refusing (--queue-capacity)."))
        let stateName = Self.name("axrpc_runtime_state",
                                  "1 for the state the NPU runtime is in (starting, ready, busy, restarting, failed, stopped), 0 for the others.")
        runtimeStates = Self.phases.map { phase, label in
            (phase, registry.makeGauge(descriptor: stateName, labels: [("state", label)]))
        }
        runtimeRestarts = registry.makeCounter(descriptor: Self.name("axrpc_runtime_restarts_total",
                                                                     "Times the runtime process was restarted after it died."))
        tokensGenerated = registry.makeCounter(descriptor: Self.name("axrpc_tokens_generated_total",
                                                                     "Tokens generated, all requests (estimated when the runtime reports none)."))
        contextReused = registry.makeCounter(descriptor: Self.name("axrpc_context_reused_total",
                                                                   "Chat turns that continued the runtime's held conversation without a reset."))
        decodeRate = registry.makeGauge(descriptor: Self.name("axrpc_decode_tokens_per_second",
                                                              "Decode speed of the last finished generation."))
        queueWait = registry.makeDurationHistogram(descriptor: Self.name("axrpc_queue_wait_seconds",
                                                                         "Time requests waited in the queue."), buckets: slow)
        timeToFirstToken = registry.makeDurationHistogram(
            descriptor: Self.name("axrpc_time_to_first_token_seconds", "From the start of a generation to its first token (prefill)."),
            buckets: slow)
        generationTime = registry.makeDurationHistogram(
            descriptor: Self.name("axrpc_generation_seconds", "Time generations ran on the runtime, prefill included."),
            buckets: slow)
        for (phase, gauge) in runtimeStates { gauge.set(to: phase == .starting ? 1.0 : 0.0) }
    }

    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// One finished call of any front end. `api` "grpc": `method` is the gRPC method path
    /// (`axrpc.v1.Inference/Generate`) and `code` the status name (`OK`); otherwise `api` is
    /// "ollama", "openai" or "http", `method` the route (`/api/generate`, `/v1/models/{id}`) and
    /// `code` the HTTP status number.
    package func requestFinished(api: String, method: String, code: String) {
        let key = FinishedCall(api: api, method: method, code: code)
        if let counter = finishedCounters.withLockedValue({ $0[key] }) {
            counter.increment()
            return
        }
        let counter: Counter
        if api == "grpc" {
            counter = registry.makeCounter(descriptor: Self.name("axrpc_grpc_requests_total",
                                                                 "Finished gRPC calls by method and gRPC status code."),
                                           labels: [("method", method), ("grpc_code", code)])
        } else {
            counter = registry.makeCounter(descriptor: Self.name("axrpc_http_requests_total",
                                                                 "Finished HTTP requests by API, route and HTTP status code (499: the client left first)."),
                                           labels: [("api", api), ("route", method), ("code", code)])
        }
        // The registry hands out the same counter for the same labels, so a race here only
        // stores one of two equal references.
        finishedCounters.withLockedValue { $0[key] = counter }
        counter.increment()
    }

    package func record(_ summary: GenerationSummary) {
        tokensGenerated.increment(by: Int64(summary.completionTokens))
        if summary.contextReused { contextReused.increment() }
        if summary.tokensPerSecond > 0 { decodeRate.set(to: summary.tokensPerSecond) }
        queueWait.record(Self.duration(summary.queueMilliseconds))
        timeToFirstToken.record(Self.duration(summary.timeToFirstTokenMilliseconds))
        generationTime.record(Self.duration(summary.generationMilliseconds))
    }

    package func record(_ status: RuntimeStatus) {
        queueDepth.set(to: Double(status.queueDepth))
        queueCapacity.set(to: Double(status.queueCapacity))
        // The status carries a running total; the counter moves by what is new since last time.
        let newRestarts = restartsSeen.withLockedValue { seen -> Int in
            defer { seen = max(seen, status.restarts) }
            return max(0, status.restarts - seen)
        }
        if newRestarts > 0 { runtimeRestarts.increment(by: Int64(newRestarts)) }
        for (phase, gauge) in runtimeStates { gauge.set(to: phase == status.phase ? 1.0 : 0.0) }
    }

    private static func duration(_ milliseconds: Double) -> Duration {
        guard milliseconds.isFinite, milliseconds > 0 else { return .zero }
        return .nanoseconds(Int64(min(milliseconds * 1_000_000, Double(Int64.max / 2))))
    }

    package func prometheusText() -> String {
        registry.emitToString()
    }
}
