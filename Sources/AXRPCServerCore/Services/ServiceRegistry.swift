import AXRPCFrontEnd
import RPCProtocol
import RuntimeBridge

/// Every service this server offers, assembled into one router.
package enum ServiceRegistry {
    package static func router(engine: any InferenceEngine, info: ServerInfo) async -> Router {
        let index = DescriptorIndex.shared
        let status = await StatusCache(engine: engine)
        let inference = InferenceService(engine: engine, info: info, status: status, models: await engine.models())
        let reflection = ReflectionService(index: index)
        var routes = inference.routes + reflection.routes
        let served = Set(Router(routes).serviceNames).union(["grpc.health.v1.Health"])
        routes += HealthCheckService(engine: engine, info: info, status: status, servedServices: served).routes
        return Router(routes)
    }
}
