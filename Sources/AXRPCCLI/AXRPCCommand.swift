import ArgumentParser
import RPCProtocol

/// `axrpc`: the command-line client of an axrpc server. The entry point lives here, not in a
/// main.swift, so that nothing in this target is implicitly MainActor-isolated top-level code.
@main
struct AXRPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "axrpc",
        abstract: "Talk to an axrpc inference server over gRPC.",
        discussion: """
            Exit status: 0 on success; on a failed call the gRPC status code (e.g. 14 for \
            UNAVAILABLE, 4 for DEADLINE_EXCEEDED), with "error: NAME: message" on stderr.
            """,
        version: AXRPCVersion.current,
        subcommands: [GenerateCommand.self, ChatCommand.self, HealthCommand.self, ModelsCommand.self])

    @OptionGroup var global: GlobalOptions
}
