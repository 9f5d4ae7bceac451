import AXRPCFrontEnd
import ArgumentParser
import NIOCore
import RPCProtocol

/// Limits that keep one client from exhausting the server for the others. Each has a default
/// that no well-behaved client reaches; hitting one answers that client alone (and logs a line).
package struct LimitOptions: ParsableArguments {
    package init() {}

    @Option(name: .customLong("max-connections"),
            help: ArgumentHelp("Open connections per port; more are refused (gRPC: GOAWAY ENHANCE_YOUR_CALM, HTTP: 503).", valueName: "n"))
    package var maxConnections = 512

    @Option(name: .customLong("max-concurrent-streams"),
            help: ArgumentHelp("Concurrent gRPC calls per connection (SETTINGS_MAX_CONCURRENT_STREAMS; more are refused with REFUSED_STREAM).", valueName: "n"))
    package var maxConcurrentStreams = 256

    @Option(name: .customLong("max-message-bytes"), help: ArgumentHelp("Largest gRPC request message (RESOURCE_EXHAUSTED beyond).", valueName: "bytes"))
    package var maxMessageBytes = MessageDeframer.defaultMaxMessageSize

    @Option(name: .customLong("max-header-list-bytes"),
            help: ArgumentHelp("Largest request header list, names + values + 32 per field (gRPC: stream reset; HTTP: 431).", valueName: "bytes"))
    package var maxHeaderListBytes = 16 * 1024

    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Largest HTTP gateway request body (413 beyond).", valueName: "bytes"))
    package var maxBodyBytes = 8 * 1024 * 1024

    @Option(name: .customLong("first-request-timeout-seconds"),
            help: ArgumentHelp("A new connection must finish its TLS handshake and send its first bytes within this time; 0: no limit.", valueName: "seconds"))
    package var firstRequestTimeoutSeconds = 10.0

    @Option(name: .customLong("idle-timeout-seconds"),
            help: ArgumentHelp("Close a connection that has sent and received nothing for this long; 0: never.", valueName: "seconds"))
    package var idleTimeoutSeconds = 300.0

    @Option(name: .customLong("max-prompt-bytes"),
            help: ArgumentHelp("Largest prompt: the prompt, system text and every chat message together, in UTF-8 bytes (INVALID_ARGUMENT / 400 beyond).", valueName: "bytes"))
    package var maxPromptBytes = 256 * 1024

    @Option(name: .customLong("max-chat-messages"), help: ArgumentHelp("Most messages in one chat request (INVALID_ARGUMENT / 400 beyond).", valueName: "n"))
    package var maxChatMessages = 256

    package func validate() throws {
        let positive: [(String, Int)] = [
            ("--max-connections", maxConnections), ("--max-concurrent-streams", maxConcurrentStreams),
            ("--max-message-bytes", maxMessageBytes), ("--max-header-list-bytes", maxHeaderListBytes),
            ("--max-body-bytes", maxBodyBytes), ("--max-prompt-bytes", maxPromptBytes),
            ("--max-chat-messages", maxChatMessages),
        ]
        for (flag, value) in positive where value < 1 {
            throw ValidationError("\(flag) must be at least 1")
        }
        guard maxConcurrentStreams <= Int(Int32.max), maxHeaderListBytes <= Int(Int32.max) else {
            throw ValidationError("--max-concurrent-streams and --max-header-list-bytes must fit in 31 bits")
        }
        for (flag, value) in [("--first-request-timeout-seconds", firstRequestTimeoutSeconds),
                              ("--idle-timeout-seconds", idleTimeoutSeconds)] {
            guard value.isFinite, value >= 0 else { throw ValidationError("\(flag) must be 0 (off) or more") }
        }
    }

    /// What every connection of either port is held to.
    package var connectionLimits: ConnectionLimits {
        ConnectionLimits(maxConnections: maxConnections,
                         firstRequestTimeout: Self.duration(firstRequestTimeoutSeconds),
                         idleTimeout: Self.duration(idleTimeoutSeconds))
    }

    package var requestLimits: RequestLimits {
        RequestLimits(maxPromptBytes: maxPromptBytes, maxChatMessages: maxChatMessages)
    }

    private static func duration(_ seconds: Double) -> TimeAmount? {
        seconds > 0 ? .nanoseconds(Int64(seconds * 1e9)) : nil
    }
}

