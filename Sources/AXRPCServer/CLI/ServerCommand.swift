import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import RPCProtocol
import RuntimeBridge
#if canImport(Glibc)
import Glibc
#endif

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

    @Option(name: .customLong("shutdown-grace-seconds"), help: "How long open calls may run after SIGTERM.")
    var shutdownGraceSeconds = 5.0

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @OptionGroup(title: "Runtime")
    var runtime: RuntimeOptions

    @OptionGroup(title: "HTTP gateway")
    var gateway: GatewayOptions

    @OptionGroup(title: "Deployment")
    var deployment: DeploymentOptions

    @OptionGroup(title: "Security") var security: SecurityOptions

    @OptionGroup(title: "Limits") var limits: LimitOptions

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let journal = JournalLogHandler.isJournalStream(ProcessEnvironment.current)
        LoggingSystem.bootstrap { label in
            if journal { return JournalLogHandler(label: label, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "axrpc")
        let signals = SignalWaiter()
        let secured: SecuritySetup
        do {
            secured = try SecuritySetup.make(security, host: host, environment: ProcessEnvironment.current, logger: logger)
        } catch {
            logger.critical("cannot set up security: \(error)")
            throw ExitCode.failure
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

        let launcher: RuntimeLauncher
        do {
            launcher = try await RuntimeLauncher.start(runtime, group: group, logger: logger)
        } catch {
            logger.critical("cannot set up the runtime: \(error)")
            try await group.shutdownGracefully()
            throw ExitCode.failure
        }
        let metrics = ServerMetrics()
        let draining = DrainingEngine(base: LimitedEngine(base: launcher.engine, limits: limits.requestLimits, logger: logger))
        let engine = MeteredEngine(base: draining, metrics: metrics)
        let statusWatcher = engine.watchStatus()
        defer { statusWatcher.cancel() }
        var transport = TransportConfiguration()
        transport.callFinished = { path, code in
            metrics.requestFinished(api: "grpc", method: path.map(Self.methodName) ?? "unknown", code: code.name)
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
                                configuration: transport, logger: logger)
        let address: SocketAddress
        do {
            address = try await server.start(host: host, port: grpcPort)
        } catch {
            logger.critical("cannot listen", metadata: ["host": "\(host)", "port": "\(grpcPort)", "error": "\(error)"])
            await launcher.stop()
            try await group.shutdownGracefully()
            throw ExitCode.failure
        }
        let port = address.port ?? grpcPort
        logger.info("serving gRPC", metadata: ["address": "\(host):\(port)", "version": "\(ServerInfo.version)"])
        // The Ollama/OpenAI HTTP gateway on --http-port (0: off), started
        // before the "listening" line so that whoever waits for that line can use both ports.
        var httpGateway: HTTPGateway?
        var httpListening = ""
        if gateway.enabled {
            let candidate = HTTPGateway(engine: engine, info: info, group: group, logger: logger,
                                        metrics: ServerMetricsExporter(metrics: metrics),
                                        cors: CORSPolicy(extra: gateway.corsOrigins),
                                        access: secured.access, tls: secured.tls, limits: limits.gatewayLimits)
            do {
                let httpAddress = try await candidate.start(host: host, port: gateway.httpPort)
                httpListening = " http=\(host):\(httpAddress.port ?? gateway.httpPort)"
                httpGateway = candidate
            } catch {
                // 11434 is Ollama's own port: say what to do when an Ollama already holds it.
                logger.critical("cannot listen for HTTP; is another server (Ollama?) on that port? choose another --http-port, or 0 to turn the gateway off",
                                metadata: ["host": "\(host)", "port": "\(gateway.httpPort)", "error": "\(error)"])
                await server.shutdown(grace: .zero)
                await launcher.stop()
                try await group.shutdownGracefully()
                throw ExitCode.failure
            }
        }
        let gatewayToStop = httpGateway
        printToStandardError("axrpc-server listening grpc=\(host):\(port)" + httpListening)

        let notifier = SystemdNotifier(environment: ProcessEnvironment.current)
        let announcer = ReadinessAnnouncer.start(engine: engine, info: info, notifier: notifier, logger: logger)
        defer { announcer?.cancel() }

        let trigger = await StopTrigger.first(signals: signals, liveness: deployment.exitOnRuntimeFailure ? liveness : nil)
        switch trigger {
        case let .signal(signal):
            logger.info("received \(signal); finishing open calls")
        case let .runtimeFailed(reason):
            logger.critical("the runtime failed and is no longer restarted; exiting (--exit-on-runtime-failure) so that the service manager restarts the server",
                            metadata: ["last_error": "\(reason)"])
        }
        notifier.notify("STOPPING=1")
        // Queued calls get UNAVAILABLE now (clients retry elsewhere); the running one finishes.
        let drained = await draining.drain()
        if drained > 0 { logger.info("answered \(drained) queued calls UNAVAILABLE: shutting down") }
        // HTTP and gRPC calls finish side by side within the same grace period.
        async let httpStopped: Void? = gatewayToStop?.shutdown(grace: .milliseconds(Int64(shutdownGraceSeconds * 1000)))
        await server.shutdown(grace: .milliseconds(Int64(shutdownGraceSeconds * 1000)))
        _ = await httpStopped
        await launcher.stop()
        // The event loops are not shut down: the process exits next, and the bridge may be in the
        // middle of reconnecting to the runtime that just stopped, which NIO would report as a
        // leaked promise (a crash) if its loop went away under it.
        logger.info("stopped")
        if case .runtimeFailed = trigger {
            throw ExitCode(DeploymentOptions.runtimeFailureExitCode)
        }
    }

    /// `/axrpc.v1.Inference/Generate` -> `axrpc.v1.Inference/Generate`, a bounded label set.
    static func methodName(_ path: String) -> String {
        String(path.drop { $0 == "/" })
    }

    private func printToStandardError(_ line: String) {
        // write(2) directly: one unbuffered line that a supervising script can wait for.
        var text = line + "\n"
        text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}
