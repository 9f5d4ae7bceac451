import AXRPCFrontEnd

/// The gRPC server in a `ServiceGroup` (see `GracefulFrontEnd`).
extension GRPCServer: GracefulFrontEnd {
    /// How service-lifecycle names it in its log lines.
    package var description: String { "GRPCServer" }
}
