import ArgumentParser
import AXRPCClient
import RPCProtocol

/// `axrpc health [--watch]`: the server's and the runtime's state, once or on every change.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Show the server's and the runtime's state.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Keep watching: print the state at once and on every change until interrupted.")
    var watch = false

    func run() async throws {
        let global = global
        let watch = watch
        try await global.withClient { client in
            if watch {
                for try await health in client.watchHealth(timeout: global.callTimeout) {
                    Console.out((global.json ? Self.json(health).text : Self.line(health)) + "\n")
                }
            } else {
                let health = try await client.health(timeout: global.callTimeout)
                Console.out(global.json ? Self.json(health).text + "\n" : Self.block(health))
            }
        }
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
