import AXRPCFrontEnd
import RPCProtocol
import RuntimeBridge

/// `grpc.health.v1.Health`, for Kubernetes probes, Envoy and other meshes. `""` is the whole
/// server, `axrpc.v1.Inference` follows the runtime, `axrpc.liveness` is the liveness verdict
/// (NOT_SERVING once the runtime has been FAILED for the grace: restart this process), the other
/// served services always serve.
package struct HealthCheckService: Sendable {
    package let engine: any InferenceEngine
    package let info: ServerInfo
    package let status: StatusCache
    package let servedServices: Set<String>

    package var routes: [RPCRoute] {
        [
            .immediateUnary(MethodPath.Health.check) { (request: HealthCheckRequest, _) -> HealthCheckResponse in
                guard let status = servingStatus(of: request.service, status.current) else {
                    throw RPCError(.notFound, "unknown service \"\(request.service)\"")
                }
                return HealthCheckResponse(status: status)
            },
            .serverStreaming(MethodPath.Health.watch) {
                (request: HealthCheckRequest, writer: ResponseWriter<HealthCheckResponse>, _) in
                var last: HealthCheckResponse.ServingStatus?
                for await runtime in engine.statusUpdates() {
                    // An unknown service gets SERVICE_UNKNOWN and the stream stays open: it may
                    // be registered later (standard Watch semantics).
                    let status = servingStatus(of: request.service, runtime) ?? .serviceUnknown
                    if status == last { continue }
                    try await writer.write(HealthCheckResponse(status: status))
                    last = status
                }
                try Task.checkCancellation()
            },
        ]
    }

    private func servingStatus(of service: String, _ runtime: RuntimeStatus) -> HealthCheckResponse.ServingStatus? {
        switch service {
        case "":
            return info.wholeServerServing(runtime) ? .serving : .notServing
        case "axrpc.v1.Inference":
            return runtime.isServing ? .serving : .notServing
        case LivenessMonitor.serviceName:
            return info.isAlive ? .serving : .notServing
        default:
            return servedServices.contains(service) ? .serving : nil
        }
    }
}
