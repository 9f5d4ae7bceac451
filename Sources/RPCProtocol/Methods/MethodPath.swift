/// The `:path` of every method this API serves, written once for the server's routes, the
/// client's calls and the tests.
public enum MethodPath {
    /// `axrpc.v1.Inference`.
    public enum Inference {
        public static let generate = "/axrpc.v1.Inference/Generate"
        public static let chat = "/axrpc.v1.Inference/Chat"
        public static let health = "/axrpc.v1.Inference/Health"
        public static let watchHealth = "/axrpc.v1.Inference/WatchHealth"
        public static let listModels = "/axrpc.v1.Inference/ListModels"
    }

    /// `grpc.health.v1.Health`.
    public enum Health {
        public static let check = "/grpc.health.v1.Health/Check"
        public static let watch = "/grpc.health.v1.Health/Watch"
    }

    /// `ServerReflectionInfo` of `grpc.reflection.v1` and its wire-identical `v1alpha` twin.
    public static let reflection = [
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    ]

    /// `/axrpc.v1.Inference/Generate` -> `axrpc.v1.Inference/Generate`: the method label of metrics.
    public static func label(_ path: String) -> String {
        String(path.drop { $0 == "/" })
    }
}
