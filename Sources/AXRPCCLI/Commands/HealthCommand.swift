import ArgumentParser
import AXRPCClient
import RPCProtocol

/// `axrpc health [--watch]`: the server's and the runtime's state, once or on every change.
/// Once: exits 0 only when the server is SERVING, so that scripts and container health checks can
/// use it as is. Watching: a lost connection (a server restart) is retried with backoff.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Show the server's and the runtime's state.",
        discussion: """
            Exit status: 0 when the server answers SERVING; 1 when it answers but is not serving             (runtime starting, restarting or failed); the gRPC status code when the call fails.             With --watch, a lost connection is retried (0.5 s doubling to 10 s) until Ctrl-C.
            """)

    /// Exit status of a server that answered but is not serving.
    static let notServingStatus: Int32 = 1

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Keep watching: print the state at once and on every change until interrupted.")
    var watch = false

    func run() async throws {
        let global = global
        if watch {
            try await HealthWatcher(global: global).run()
            return
        }
        let serving = ServingFlag()
        try await global.withClient { client in
            let health = try await client.health(timeout: global.callTimeout)
            Console.out(global.json ? Self.json(health).text + "\n" : Self.block(health))
            if health.status == .serving { serving.set() }
        }
        if !serving.isSet { throw ExitCode(Self.notServingStatus) }
    }

    static func json(_ health: HealthResponse) -> JSONObject {
        var object = JSONObject()
        object.set("status", Names.of(health.status))
        object.set("runtime_state", Names.of(health.runtimeState))
        object.set("model", health.model)
        object.set("queue_depth", health.queueDepth)
        object.set("queue_capacity", health.queueCapacity)
        object.set("uptime_seconds", health.uptimeSeconds)
        object.set("runtime_restarts", health.runtimeRestarts)
        object.set("last_error", health.lastError)
        object.set("version", health.version)
        object.set("emulated", health.emulated)
        return object
    }

    /// One line per change, for --watch.
    static func line(_ health: HealthResponse) -> String {
        var text = "\(Names.of(health.status)) runtime=\(Names.of(health.runtimeState))"
        if !health.model.isEmpty { text += " model=\(health.model)" }
        text += " queue=\(health.queueDepth)/\(health.queueCapacity) restarts=\(health.runtimeRestarts)"
        if !health.lastError.isEmpty { text += " last_error=\"\(health.lastError)\"" }
        return text
    }

    static func block(_ health: HealthResponse) -> String {
        var rows: [(String, String)] = [
            ("status", Names.of(health.status)),
            ("runtime", Names.of(health.runtimeState) + (health.emulated ? " (emulated)" : "")),
            ("model", health.model.isEmpty ? "-" : health.model),
            ("queue", "\(health.queueDepth) of \(health.queueCapacity)"),
            ("uptime", "\(health.uptimeSeconds) s"),
            ("restarts", "\(health.runtimeRestarts)"),
            ("version", health.version),
        ]
        if !health.lastError.isEmpty { rows.append(("last error", health.lastError)) }
        return rows.map { $0.0 + ":" + String(repeating: " ", count: 12 - $0.0.count) + $0.1 + "\n" }.joined()
    }
}
