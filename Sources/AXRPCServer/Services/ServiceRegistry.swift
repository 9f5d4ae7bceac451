import RPCProtocol
import RuntimeBridge

/// Every service this server offers, assembled into one router.
enum ServiceRegistry {
    static func router(engine: any InferenceEngine, info: ServerInfo) -> Router {
        let index = DescriptorIndex.shared
        let inference = InferenceService(engine: engine, info: info)
        let reflection = ReflectionService(index: index)
        var routes = inference.routes + reflection.routes
        let served = Set(Router(routes).serviceNames).union(["grpc.health.v1.Health"])
        routes += HealthCheckService(engine: engine, info: info, servedServices: served).routes
        return Router(routes)
    }
}
