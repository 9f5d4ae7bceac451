import ArgumentParser
import RPCProtocol

/// Turns a failed call into what a script can act on: `error: NAME: message` on stderr (and a
/// JSON error line on stdout with `--json`), and the gRPC status code as the exit status.
enum FailureReport {
    static func exitCode(for error: any Error, json: Bool) -> ExitCode {
        let rpcError = error as? RPCError ?? RPCError(.unknown, "\(error)")
        Console.err("error: \(rpcError.code.name): \(rpcError.message)\n")
        if json {
            var object = JSONObject()
            object.set("type", "error")
            object.set("code", rpcError.code.name)
            object.set("status", rpcError.code.rawValue)
            object.set("message", rpcError.message)
            Console.out(object.text + "\n")
        }
        // OK (0) is never an error; every other status code fits an exit status.
        return ExitCode(Int32(max(rpcError.code.rawValue, 1)))
    }
}
