import ArgumentParser
import RuntimeBridge

/// `axrpc-server doctor [--model-dir DIR]`: every preflight check a launch makes, plus the host
/// checks that would otherwise fail minutes into a model load. One line per check; exits 1 when
/// any check fails.
package struct DoctorCommand: ParsableCommand {
    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check a model directory and this machine before serving; one line per check, exit 1 on any failure.",
        usage: "axrpc-server doctor [--model-dir <dir>]")

    @Option(name: .customLong("model-dir"), help: "The model directory to check (as for the server's --model-dir).")
    package var modelDirectory: String?

    /// Tests point this at a file of their own: a container's /proc/meminfo has no CMA line.
    @Option(name: .customLong("meminfo"), help: .hidden)
    package var meminfoPath = "/proc/meminfo"

    package func run() throws {
        let checks = Self.checks(modelDirectory: modelDirectory, meminfo: try? TextFileReader.contents(of: meminfoPath))
        for check in checks { print(Self.line(check)) }
        let failed = checks.filter { $0.outcome == .fail }.count
        print(failed == 0 ? "all checks passed" : "\(failed) check\(failed == 1 ? "" : "s") failed")
        if failed > 0 { throw ExitCode.failure }
    }

    package static func checks(modelDirectory: String?, meminfo: String?) -> [PreflightCheck] {
        guard let modelDirectory else {
            // The default launch: the built-in emulator, which needs no NPU.
            var checks: [PreflightCheck]
            do {
                checks = [PreflightCheck("emulator", .pass, try EmulatorLocator.locate())]
            } catch {
                checks = [PreflightCheck("emulator", .fail, error.description)]
            }
            checks.append(PreflightCheck("NPU", .skip, "no --model-dir: the built-in emulator runs, no NPU checks",
                                         fix: "pass --model-dir DIR to check a real model and the card"))
            return checks
        }
        let inspection = ModelDirectoryInspection.inspect(directory: modelDirectory)
        guard inspection.checks.first?.outcome == .pass else { return inspection.checks }
        return inspection.checks + HostChecks.all(for: inspection, meminfo: meminfo)
    }

    /// `[PASS] name: detail` and, for failures and warnings, `       fix: ...` under it.
    package static func line(_ check: PreflightCheck) -> String {
        let tag = "[" + check.outcome.rawValue.uppercased() + "]"
        var text = "\(tag) \(check.name): \(check.detail)"
        if !check.fix.isEmpty && (check.outcome == .fail || check.outcome == .warn) {
            text += "\n       fix: \(check.fix)"
        }
        return text
    }
}
