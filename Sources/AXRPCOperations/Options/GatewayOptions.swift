import ArgumentParser

/// The HTTP gateway's flags: where the Ollama- and OpenAI-compatible API, the probes and
/// `/metrics` listen. Ollama's own port by default, so Ollama clients find it unconfigured.
package struct GatewayOptions: ParsableArguments {
    package init() {}

    @Option(name: .customLong("http-port"),
            help: "HTTP port of the Ollama/OpenAI-compatible API, /healthz, /readyz and /metrics; 0 turns it off.")
    package var httpPort = 11434

    @Option(name: .customLong("cors-origin"),
            help: ArgumentHelp("Another browser origin allowed to call the HTTP API (repeatable; * allows all). "
                + "Loopback pages and app://, file://, tauri://, vscode-webview:// are always allowed.",
                valueName: "ORIGIN"))
    package var corsOrigins: [String] = []

    /// Whether the gateway runs at all.
    package var enabled: Bool { httpPort != 0 }

    package func validate() throws {
        guard (0...65535).contains(httpPort) else {
            throw ValidationError("--http-port must be between 0 (off) and 65535")
        }
    }
}
