import NIOCore
import NIOPosix
import RPCProtocol

/// A typed, async client of `axrpc.v1.Inference` over one HTTP/2 connection (h2c, prior
/// knowledge). Concurrent calls multiplex on that connection; it is dialled by `connect()` or by
/// the first call, and dialled again after it is lost.
///
/// Every error a call throws is an `RPCError` carrying the server's status and its decoded
/// `grpc-message`; a server that cannot be reached is `UNAVAILABLE` ("cannot connect to
/// HOST:PORT: ..."). Streaming calls end when the consuming task is cancelled or stops
/// iterating: the stream is then reset with CANCEL so that the server stops generating.
public final class AXRPCClient: Sendable {
    public let address: ServerAddress
    private let provider: ConnectionProvider

    /// - Parameter eventLoopGroup: where the connection runs; nil = NIO's shared singleton group,
    ///   which needs no shutdown.
    public init(host: String, port: Int, eventLoopGroup: (any EventLoopGroup)? = nil,
                security: ClientSecurity = ClientSecurity()) {
        self.address = ServerAddress(host: host, port: port)
        self.provider = ConnectionProvider(address: address, group: eventLoopGroup ?? Self.defaultEventLoopGroup,
                                           security: security)
    }

    public convenience init(address: ServerAddress, eventLoopGroup: (any EventLoopGroup)? = nil,
                            security: ClientSecurity = ClientSecurity()) {
        self.init(host: address.host, port: address.port, eventLoopGroup: eventLoopGroup, security: security)
    }

    /// Dials the server now rather than on the first call, so that an unreachable server shows
    /// up before any work is prepared. Throws `RPCError(.unavailable, ...)`.
    public func connect() async throws {
        _ = try await provider.connection().get()
    }

    /// Sends GOAWAY and closes the connection; calls still open end with CANCELLED and later
    /// calls fail with UNAVAILABLE.
    public func close() async {
        await provider.close()
    }

    /// `Generate`: queue positions while waiting, text deltas, then `done`.
    public func generate(_ request: GenerateRequest, timeout: Duration? = nil)
        -> AsyncThrowingStream<GenerationEvent, any Error> {
        serverStreaming(MethodPath.Inference.generate, request, timeout: timeout, as: GenerationEvent.self)
    }

    /// `Chat`: like `generate`; send the whole conversation, with exactly the assistant text
    /// received before, so that the runtime can reuse its context.
    public func chat(_ request: ChatRequest, timeout: Duration? = nil)
        -> AsyncThrowingStream<GenerationEvent, any Error> {
        serverStreaming(MethodPath.Inference.chat, request, timeout: timeout, as: GenerationEvent.self)
    }

    /// `Health`: the server's and the runtime's state now.
    public func health(timeout: Duration? = nil) async throws -> HealthResponse {
        try await unary(MethodPath.Inference.health, HealthRequest(), timeout: timeout, as: HealthResponse.self)
    }

    /// `WatchHealth`: the state at once, then every change, until the caller stops listening.
    public func watchHealth(timeout: Duration? = nil) -> AsyncThrowingStream<HealthResponse, any Error> {
        serverStreaming(MethodPath.Inference.watchHealth, HealthRequest(), timeout: timeout, as: HealthResponse.self)
    }

    /// `ListModels`: the models this server can run.
    public func listModels(timeout: Duration? = nil) async throws -> ListModelsResponse {
        try await unary(MethodPath.Inference.listModels, ListModelsRequest(), timeout: timeout,
                        as: ListModelsResponse.self)
    }

    var connectionProvider: ConnectionProvider { provider }

    /// NIO's process-wide group: shared by every client that is given none, never shut down.
    static var defaultEventLoopGroup: any EventLoopGroup { MultiThreadedEventLoopGroup.singleton }
}
