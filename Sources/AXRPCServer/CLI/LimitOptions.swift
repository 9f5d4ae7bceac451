import AXRPCFrontEnd
import AXRPCGateway
import AXRPCServerCore
import AXRPCSecurity
import ArgumentParser
import NIOCore
import RPCProtocol

/// Limits that keep one client from exhausting the server for the others. Each has a default
/// that no well-behaved client reaches; hitting one answers that client alone (and logs a line).
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-connections"),
            help: ArgumentHelp("Open connections per port; more are refused (gRPC: GOAWAY ENHANCE_YOUR_CALM, HTTP: 503).", valueName: "n"))
    var maxConnections = 512

    @Option(name: .customLong("max-concurrent-streams"),
            help: ArgumentHelp("Concurrent gRPC calls per connection (SETTINGS_MAX_CONCURRENT_STREAMS; more are refused with REFUSED_STREAM).", valueName: "n"))
    var maxConcurrentStreams = 256

    @Option(name: .customLong("max-message-bytes"), help: ArgumentHelp("Largest gRPC request message (RESOURCE_EXHAUSTED beyond).", valueName: "bytes"))
    var maxMessageBytes = MessageDeframer.defaultMaxMessageSize

    @Option(name: .customLong("max-header-list-bytes"),
            help: ArgumentHelp("Largest request header list, names + values + 32 per field (gRPC: stream reset; HTTP: 431).", valueName: "bytes"))
    var maxHeaderListBytes = 16 * 1024

    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Largest HTTP gateway request body (413 beyond).", valueName: "bytes"))
    var maxBodyBytes = 8 * 1024 * 1024

    @Option(name: .customLong("first-request-timeout-seconds"),
            help: ArgumentHelp("A new connection must finish its TLS handshake and send its first bytes within this time; 0: no limit.", valueName: "seconds"))
    var firstRequestTimeoutSeconds = 10.0

    @Option(name: .customLong("idle-timeout-seconds"),
            help: ArgumentHelp("Close a connection that has sent and received nothing for this long; 0: never.", valueName: "seconds"))
    var idleTimeoutSeconds = 300.0

    @Option(name: .customLong("max-prompt-bytes"),
            help: ArgumentHelp("Largest prompt: the prompt, system text and every chat message together, in UTF-8 bytes (INVALID_ARGUMENT / 400 beyond).", valueName: "bytes"))
    var maxPromptBytes = 256 * 1024

    @Option(name: .customLong("max-chat-messages"), help: ArgumentHelp("Most messages in one chat request (INVALID_ARGUMENT / 400 beyond).", valueName: "n"))
    var maxChatMessages = 256

    func validate() throws {
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
    var connectionLimits: ConnectionLimits {
        ConnectionLimits(maxConnections: maxConnections,
                         firstRequestTimeout: Self.duration(firstRequestTimeoutSeconds),
                         idleTimeout: Self.duration(idleTimeoutSeconds))
    }

    var requestLimits: RequestLimits {
        RequestLimits(maxPromptBytes: maxPromptBytes, maxChatMessages: maxChatMessages)
    }

    private static func duration(_ seconds: Double) -> TimeAmount? {
        seconds > 0 ? .nanoseconds(Int64(seconds * 1e9)) : nil
    }
}

extension LimitOptions {
    /// The gRPC transport's limits.
    func apply(to transport: inout TransportConfiguration) {
        transport.maxConcurrentStreams = UInt32(maxConcurrentStreams)
        transport.maxMessageSize = maxMessageBytes
        transport.maxHeaderListSize = maxHeaderListBytes
        transport.connectionLimits = connectionLimits
    }

    var gatewayLimits: GatewayLimits {
        GatewayLimits(connections: connectionLimits, maxBodyBytes: maxBodyBytes, maxHeaderListBytes: maxHeaderListBytes)
    }
}
