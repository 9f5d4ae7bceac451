import RuntimeBridge
import XCTest

@testable import AXRPCFrontEnd
@testable import AXRPCOperations

/// Metrics move by what the front ends and the engine report, whichever face served the call.
final class MetricsTests: XCTestCase {
    private struct ScriptedEngine: InferenceEngine {
        let updates: [GenerationUpdate]
        func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationUpdate, any Error> {
            AsyncThrowingStream { continuation in
                for update in updates { continuation.yield(update) }
                continuation.finish()
            }
        }
        func status() async -> RuntimeStatus { RuntimeStatus(phase: .ready, model: "m") }
        func statusUpdates() -> AsyncStream<RuntimeStatus> { AsyncStream { $0.finish() } }
        func models() async -> [ModelDescriptor] { [] }
    }

    private let summary = GenerationSummary(
        finishReason: .stop, promptTokens: 3, completionTokens: 7, estimated: true, queueMilliseconds: 20,
        timeToFirstTokenMilliseconds: 150, generationMilliseconds: 1500, totalMilliseconds: 1520,
        tokensPerSecond: 4.5, contextReused: true, model: "m")

    func testGenerationThroughTheWrapperRecordsTokensAndTimings() async throws {
        let metrics = ServerMetrics()
        let engine = MeteredEngine(base: ScriptedEngine(updates: [.delta("hi"), .done(summary)]), metrics: metrics)
        var received: [GenerationUpdate] = []
        for try await update in engine.generate(GenerationRequest(job: .generate(prompt: "p", system: nil))) {
            received.append(update)
        }
        XCTAssertEqual(received, [.delta("hi"), .done(summary)], "the wrapper relays every update unchanged")
        let text = metrics.prometheusText()
        XCTAssertTrue(text.contains("axrpc_tokens_generated_total 7"), text)
        XCTAssertTrue(text.contains("axrpc_context_reused_total 1"), text)
        XCTAssertTrue(text.contains("axrpc_time_to_first_token_seconds_count 1"), text)
        XCTAssertTrue(text.contains("axrpc_generation_seconds_bucket{le=\"2.0\"} 1"), text)
        XCTAssertTrue(text.contains("axrpc_generation_seconds_bucket{le=\"1.0\"} 0"), text)
    }

    func testRequestCountsAndRestartsOnlyMoveForward() {
        let metrics = ServerMetrics()
        metrics.requestFinished(api: "grpc", method: "axrpc.v1.Inference/Generate", code: "OK")
        metrics.requestFinished(api: "ollama", method: "/api/chat", code: "200")
        metrics.record(RuntimeStatus(phase: .ready, model: "m", queueDepth: 2, queueCapacity: 16, restarts: 2))
        metrics.record(RuntimeStatus(phase: .ready, model: "m", queueCapacity: 16, restarts: 2))
        metrics.record(RuntimeStatus(phase: .failed, model: "m", queueCapacity: 16, restarts: 3))
        let text = metrics.prometheusText()
        XCTAssertTrue(text.contains(#"axrpc_grpc_requests_total{method="axrpc.v1.Inference/Generate",grpc_code="OK"} 1"#), text)
        XCTAssertTrue(text.contains(#"axrpc_http_requests_total{api="ollama",route="/api/chat",code="200"} 1"#), text)
        XCTAssertTrue(text.contains("axrpc_runtime_restarts_total 3"), text)
        XCTAssertTrue(text.contains(#"axrpc_runtime_state{state="failed"} 1.0"#), text)
        XCTAssertTrue(text.contains(#"axrpc_runtime_state{state="ready"} 0.0"#), text)
        XCTAssertTrue(text.contains(#"axrpc_build_info{version="0.1.0"} 1.0"#), text)
        XCTAssertTrue(text.contains("axrpc_queue_capacity 16.0"), text)
    }

    /// Every family has HELP and TYPE, once, before its samples (what promtool checks first).
    func testEveryFamilyHasHelpAndType() {
        let metrics = ServerMetrics()
        metrics.requestFinished(api: "grpc", method: "axrpc.v1.Inference/Chat", code: "CANCELLED")
        metrics.requestFinished(api: "openai", method: "/v1/chat/completions", code: "200")
        let lines = metrics.prometheusText().split(separator: "\n").map(String.init)
        var helped = Set<String>(), typed = Set<String>()
        for line in lines {
            let words = line.split(separator: " ").map(String.init)
            if line.hasPrefix("# HELP ") { XCTAssertTrue(helped.insert(words[2]).inserted, line) }
            if line.hasPrefix("# TYPE ") { XCTAssertTrue(typed.insert(words[2]).inserted, line) }
            if !line.hasPrefix("#"), let name = words.first {
                let family = name.split(separator: "{").first.map(String.init) ?? name
                let base = ["_bucket", "_sum", "_count"].reduce(family) { name, suffix in
                    name.hasSuffix(suffix) && typed.contains(String(name.dropLast(suffix.count))) ? String(name.dropLast(suffix.count)) : name
                }
                XCTAssertTrue(helped.contains(base) && typed.contains(base), "no HELP/TYPE before \(line)")
            }
        }
    }
}
