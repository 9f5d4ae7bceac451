import AXRPCFrontEnd
import AXRPCGatewayRequests
import NIOHTTP1
import RuntimeBridge

/// Kubernetes-style probes and the Prometheus scrape, on the gateway's port:
///
/// * `GET /healthz`: liveness. 200 while the process is worth keeping; a starting or restarting
///   runtime is not a reason to kill the server, which restarts the runtime itself. 503 once the
///   runtime has been FAILED (the supervisor gave up) for `--liveness-grace-seconds`: only a
///   restart of the whole process can help then.
/// * `GET /readyz`: readiness. 200 when requests will be served, the same rule as the gRPC
///   health service's whole-server status (runtime ready or busy; always with `--no-runtime`,
///   where there is nothing to wait for); 503 otherwise, with the runtime's state and last error.
/// * `GET /metrics`: the exporter's Prometheus text; 404 when the gateway has no exporter.
package struct ProbeRoutes: Sendable {
    package let context: GatewayContext

    package var routes: [GatewayRoute] {
        let context = self.context
        return [
            GatewayRoute(method: .GET, path: "/healthz", dialect: .http) { _, responder in
                if !context.info.isAlive {
                    let reason = context.info.liveness?.reason ?? ""
                    try await responder.send(.serviceUnavailable, json: [
                        "status": "dead", "runtime_state": "failed",
                        "reason": .string("the runtime failed and is no longer restarted; restart the server"
                            + (reason.isEmpty ? "" : ": \(reason)")),
                    ])
                    return .serviceUnavailable
                }
                try await responder.send(.ok, json: ["status": "alive", "version": .string(ServerInfo.version),
                                                     "uptime_seconds": .int(Int(context.info.uptimeSeconds))])
                return .ok
            },
            GatewayRoute(method: .GET, path: "/readyz", dialect: .http) { _, responder in
                let status = await context.engine.status()
                let ready = context.info.wholeServerServing(status)
                var body: [(String, JSONValue)] = [
                    ("status", ready ? "ready" : "not ready"),
                    ("runtime_state", .string(status.phase.name)),
                    ("model", .string(status.model)),
                    ("queue_depth", .int(status.queueDepth)),
                    ("queue_capacity", .int(status.queueCapacity)),
                ]
                if !ready { body.append(("reason", .string(Self.reason(status)))) }
                let code: HTTPResponseStatus = ready ? .ok : .serviceUnavailable
                try await responder.send(code, json: .object(body))
                return code
            },
            GatewayRoute(method: .GET, path: "/metrics", dialect: .http) { _, responder in
                guard let metrics = context.metrics else {
                    throw GatewayError(.notFound, "metrics are not enabled on this server", code: "not_found")
                }
                try await responder.send(.ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                         body: await metrics.prometheusText())
                return .ok
            },
        ]
    }

    /// Why requests would not be served now, in words for whoever reads the probe's answer.
    private static func reason(_ status: RuntimeStatus) -> String {
        let why: String
        switch status.phase {
        case .starting: why = "the runtime is starting (loading the model)"
        case .restarting: why = "the runtime is restarting"
        case .failed: why = "the runtime failed"
        case .stopped: why = "the runtime is stopped"
        case .ready, .busy: why = "the runtime is serving"
        }
        return status.lastError.isEmpty ? why : "\(why): \(status.lastError)"
    }
}
