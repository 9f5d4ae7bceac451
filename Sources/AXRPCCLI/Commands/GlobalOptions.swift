import ArgumentParser
import AXRPCClient
import RPCProtocol

/// Options every subcommand takes. Declared by the root command too, so that they may come
/// before the subcommand's name (`axrpc --addr h:p health`) as well as after it.
struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("addr"), help: "The server's gRPC address, HOST:PORT.")
    var address = "127.0.0.1:\(ServerAddress.defaultPort)"

    @Flag(help: "Machine-readable output: one JSON object per line (per event when streaming).")
    var json = false

    @Option(help: "Deadline of each call, in seconds (sent as grpc-timeout).")
    var timeout: Double?

    @Flag(name: [.short, .long], help: "Also print queue waits, timings and context reuse on stderr.")
    var verbose = false

    @OptionGroup var security: ConnectionSecurityOptions

    func validate() throws {
        guard ServerAddress(parsing: address) != nil else {
            throw ValidationError("--addr must be HOST:PORT (IPv6 as [ADDR]:PORT), got \"\(address)\"")
        }
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
    }

    var callTimeout: Duration? { timeout.map { Duration.seconds($0) } }

    /// Runs `body` with a connected client; a failure is printed and becomes the exit status,
    /// and Ctrl-C cancels the call (exit status 130).
    func withClient(_ body: @escaping @Sendable (AXRPCClient) async throws -> Void) async throws {
        guard let serverAddress = ServerAddress(parsing: address) else {
            throw ValidationError("--addr must be HOST:PORT")
        }
        let client = AXRPCClient(address: serverAddress, security: security.clientSecurity)
        do {
            let interrupted = try await Interruption.run {
                // Dial first: an unreachable server must fail before chat waits for input.
                try await client.connect()
                try await body(client)
            }
            await client.close()
            if interrupted {
                Console.err("\ninterrupted\n")
                throw ExitCode(Interruption.exitStatus)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            await client.close()
            throw FailureReport.exitCode(for: error, json: json)
        }
    }
}
