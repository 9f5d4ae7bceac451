import AXRPCFrontEnd

/// The gateway in a `ServiceGroup` (see `GracefulFrontEnd`).
extension HTTPGateway: GracefulFrontEnd {
    /// How service-lifecycle names it in its log lines.
    package var description: String { "HTTPGateway" }
}
