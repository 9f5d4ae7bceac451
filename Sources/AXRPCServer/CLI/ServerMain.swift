import AXRPCOperations
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The entry point of `axrpc-server`: layers the configuration file and the `AXRPC_*` variables
/// under the command line (see `LayeredArguments`), then runs `ServerCommand`. The subcommands
/// (`doctor`, `init-model`) take their own flags only. They are dispatched here rather than
/// declared as argument-parser subcommands, because the server's own options (`--model-dir`)
/// would then capture the subcommand's options of the same name.
@main
enum ServerMain {
    static let subcommands: [String: any ParsableCommand.Type] = [
        "doctor": DoctorCommand.self,
        "init-model": InitModelCommand.self,
    ]

    static func main() async {
        let commandLine = Array(CommandLine.arguments.dropFirst())
        if let first = commandLine.first, let subcommand = subcommands[first] {
            subcommand.main(Array(commandLine.dropFirst()))
            return
        }
        let layered: LayeredArguments
        do {
            layered = try LayeredArguments.build(commandLine: commandLine, environment: ProcessEnvironment.current,
                                                 readFile: TextFileReader.contents(of:))
        } catch {
            printError("Error: \(error)")
            exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try ServerCommand.parseAsRoot(layered.arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = ServerCommand.exitCode(for: error)
            let origins = layered.originsMentioned(in: ServerCommand.message(for: error))
            if code != .success && !origins.isEmpty {
                // Say which file line or variable to edit; the flag alone would send the reader
                // looking at a command line that does not have it.
                printError(ServerCommand.fullMessage(for: error) + "\n" + origins.map { "Note: \($0)" }.joined(separator: "\n"))
                exit(code.rawValue)
            }
            ServerCommand.exit(withError: error)
        }
    }

    private static func printError(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}
