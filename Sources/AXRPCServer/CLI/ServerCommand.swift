import AXRPCFrontEnd
import AXRPCGateway
import AXRPCOperations
import AXRPCSecurity
import AXRPCServerCore
import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import RPCProtocol
import RuntimeBridge
import ServiceLifecycle

/// `axrpc-server`: the gRPC inference server. Started through `ServerMain`, which adds the
/// configuration file and `AXRPC_*` environment variables to the command line.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "axrpc-server",
        abstract: "A gRPC inference server for the AXERA AX650 NPU runtime.",
        discussion: """
            Subcommands: `axrpc-server doctor [--model-dir DIR]` checks a model directory and this \
            machine; `axrpc-server init-model DIR` writes DIR/axrpc-model.json from a vendor package. \
            Every flag can also come from an AXRPC_<FLAG> environment variable or a --config file.
            """,
        version: ServerInfo.version)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .customLong("grpc-port"), help: "gRPC port (h2c, or TLS with --tls-cert); 0 picks a free one.")
    var grpcPort = 50051

    @OptionGroup(title: "Shutdown") var drain: DrainOptions

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(name: .customLong("log-format"),
            help: "text (default; journal when stderr is the journal) or json: one JSON object per line.")
    var logFormat: String?

    @OptionGroup(title: "Runtime")
    var runtime: RuntimeOptions

    @OptionGroup(title: "HTTP gateway")
    var gateway: GatewayOptions

    @OptionGroup(title: "Deployment")
    var deployment: DeploymentOptions

    func validate() throws {
        if let logFormat, LogFormat(rawValue: logFormat) == nil {
            throw ValidationError("--log-format must be one of: "
                                  + LogFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    @OptionGroup(title: "Security") var security: SecurityOptions

    @OptionGroup(title: "Limits") var limits: LimitOptions

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let format = logFormat.flatMap(LogFormat.init(rawValue:))
            ?? LogFormat.automatic(environment: ProcessEnvironment.current)
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: format, logLevel: level) }
        let logger = Logger(label: "axrpc")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let exitCode: ExitCode?
        do {
            exitCode = try await serve(group: group, logger: logger)
        } catch {
            exitCode = .failure
        }
        // Every user of the loops has ended by now: the listeners are closed and the launcher
        // waited for the bridge's last turn before it stopped the runtime.
        do {
            try await group.shutdownGracefully()
        } catch {
            logger.warning("event loops did not shut down cleanly", metadata: ["error": "\(error)"])
        }
        logger.info("stopped")
        if let exitCode { throw exitCode }
    }

    /// Binds, then runs the services until a signal or (with `--exit-on-runtime-failure`) a dead
    /// runtime; returns the exit status to use when it is not 0.
    private func serve(group: MultiThreadedEventLoopGroup, logger: Logger) async throws -> ExitCode? {
        let secured: SecuritySetup
        do {
            secured = try SecuritySetup.make(security.settings, host: host, environment: ProcessEnvironment.current, logger: logger)
        } catch {
            logger.critical("cannot set up security", metadata: ["error": "\(error)"])
            return .failure
        }
        let launcher: RuntimeLauncher
        do {
            launcher = try await RuntimeLauncher.start(runtime, group: group, logger: logger)
        } catch {
            logger.critical("cannot set up the runtime", metadata: ["error": "\(error)"])
            return .failure
        }
        let grace = drain.grace
        let metrics = ServerMetrics()
        let engine = MeteredEngine(base: LimitedEngine(base: launcher.engine, limits: limits.requestLimits, logger: logger),
                                   metrics: metrics)
        let statusWatcher = engine.watchStatus()
        defer { statusWatcher.cancel() }
        var transport = TransportConfiguration()
        transport.callFinished = { method, code in
            metrics.requestFinished(api: "grpc", method: method ?? "unknown", code: code.name)
        }
        transport.access = secured.access
        transport.tls = secured.tls
        limits.apply(to: &transport)
        var info = launcher.info
        let liveness = LivenessMonitor(grace: deployment.livenessGrace)
        liveness.watch(engine)
        defer { liveness.stop() }
        info.liveness = liveness
        let server = GRPCServer(group: group, router: await ServiceRegistry.router(engine: engine, info: info),
                                configuration: transport, logger: logger, shutdownGrace: grace)
        let address: SocketAddress
        do {
            address = try await server.start(host: host, port: grpcPort)
        } catch {
            logger.critical("cannot listen", metadata: ["host": "\(host)", "port": "\(grpcPort)", "error": "\(error)"])
            await launcher.stop()
            return .failure
        }
        let port = address.port ?? grpcPort
        logger.info("serving gRPC", metadata: ["address": "\(host):\(port)", "version": "\(ServerInfo.version)"])
        // The Ollama/OpenAI HTTP gateway on --http-port (0: off), bound before the "listening"
        // line so that whoever waits for that line can use both ports.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: launcher), .init(service: server)]
        var listening = "axrpc-server listening grpc=\(host):\(port)"
        if gateway.enabled {
            let httpGateway = HTTPGateway(engine: engine, info: info, group: group, logger: logger,
                                          metrics: ServerMetricsExporter(metrics: metrics),
                                          cors: CORSPolicy(extra: gateway.corsOrigins), access: secured.access,
                                          tls: secured.tls, limits: limits.gatewayLimits, shutdownGrace: grace)
            do {
                let httpAddress = try await httpGateway.start(host: host, port: gateway.httpPort)
                listening += " http=\(host):\(httpAddress.port ?? gateway.httpPort)"
                services.append(.init(service: httpGateway))
            } catch {
                // 11434 is Ollama's own port: say what to do when an Ollama already holds it.
                logger.critical("cannot listen for HTTP; is another server (Ollama?) on that port? choose another --http-port, or 0 to turn the gateway off",
                                metadata: ["host": "\(host)", "port": "\(gateway.httpPort)", "error": "\(error)"])
                await server.shutdown(grace: .zero)
                await launcher.stop()
                return .failure
            }
        }
        let notifier = SystemdNotifier(environment: ProcessEnvironment.current)
        let announcer = ReadinessAnnouncer.start(engine: engine, info: info, notifier: notifier, logger: logger)
        defer { announcer?.cancel() }
        let failureWatch = RuntimeFailureWatch(liveness: deployment.exitOnRuntimeFailure ? liveness : nil, logger: logger)
        // Shut down in reverse: the announcement (STOPPING=1) first, then the gateway, gRPC, and
        // the runtime last, once no call needs it.
        services.append(.init(service: failureWatch, successTerminationBehavior: .gracefullyShutdownGroup))
        let announcement = ServingAnnouncement(line: listening, notifier: notifier, logger: logger) {
            // Queued calls get UNAVAILABLE now (clients retry elsewhere); the running one finishes.
            let drained = await launcher.drain()
            if drained > 0 {
                logger.info("answered queued calls UNAVAILABLE: shutting down", metadata: ["queued_calls": "\(drained)"])
            }
        }
        services.append(.init(service: announcement, successTerminationBehavior: .ignore))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        withExtendedLifetime(secured) {}  // its SIGHUP handler lives as long as the server
        return failureWatch.failed ? ExitCode(DeploymentOptions.runtimeFailureExitCode) : nil
    }
}
