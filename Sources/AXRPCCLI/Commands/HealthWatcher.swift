import ArgumentParser
import AXRPCClient
import Dispatch
import RPCProtocol

/// `health --watch`: follows WatchHealth and, when the connection is lost or the server is not
/// there (yet), says so on stderr and tries again with backoff, so that watching survives a
/// server restart. Ends on Ctrl-C (exit 130); a call the server refuses (not a connection
/// problem) ends it with that status.
struct HealthWatcher: Sendable {
    let global: GlobalOptions
    static let firstDelay: Duration = .milliseconds(500)
    static let maxDelay: Duration = .seconds(10)

    func run() async throws {
        guard let address = ServerAddress(parsing: global.address) else {
            throw ValidationError("--addr must be HOST:PORT")
        }
        let global = global
        let failure = FailureSlot()
        let interrupted = try await Interruption.run {
            var delay = Self.firstDelay
            while !Task.isCancelled {
                let client = AXRPCClient(address: address, security: global.security.clientSecurity)
                do {
                    try await client.connect()
                    for try await health in client.watchHealth(timeout: nil) {
                        // A message means the connection works: the next loss starts from the shortest wait.
                        delay = Self.firstDelay
                        Console.out((global.json ? HealthCommand.json(health).text : HealthCommand.line(health)) + "\n")
                    }
                    await client.close()
                    Console.err("the server ended the watch; reconnecting\n")
                } catch {
                    await client.close()
                    if Task.isCancelled { return }
                    let rpcError = error as? RPCError ?? RPCError(.unavailable, "\(error)")
                    guard Self.isRetryable(rpcError.code) else {
                        failure.store(rpcError)
                        return
                    }
                    Console.err("connection lost (\(rpcError.code.name): \(rpcError.message)); "
                        + "retrying in \(Self.seconds(delay)) s\n")
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.maxDelay)
            }
        }
        if interrupted { throw ExitCode(Interruption.exitStatus) }
        if let error = failure.value { throw FailureReport.exitCode(for: error, json: global.json) }
    }

    /// Connection trouble and a server going away are worth waiting out; a refusal is not.
    static func isRetryable(_ code: StatusCode) -> Bool {
        [.unavailable, .unknown, .cancelled, .deadlineExceeded, .internalError, .aborted].contains(code)
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(milliseconds / 1000).\(milliseconds % 1000 / 100)"
    }
}

/// Carries a flag or an error out of a task run by `Interruption` or `withClient`.
final class ServingFlag: @unchecked Sendable {
    private let queue = DispatchQueue(label: "axrpc.health.flag")
    private var flag = false
    var isSet: Bool { queue.sync { flag } }
    func set() { queue.sync { flag = true } }
}

/// The call error that ended a watch.
final class FailureSlot: @unchecked Sendable {
    private let queue = DispatchQueue(label: "axrpc.health.failure")
    private var error: RPCError?
    var value: RPCError? { queue.sync { error } }
    func store(_ error: RPCError) { queue.sync { self.error = error } }
}
