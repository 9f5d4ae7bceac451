import Foundation
@testable import AXLLMEmulator

/// An `EngineConsole` that records stdout and stderr output.
final class CapturingConsole: EngineConsole, @unchecked Sendable {
    private let lock = NSLock()
    private var out = ""
    private var err = ""

    func line(_ text: String) { lock.withLock { out += text + "\n" } }
    func text(_ text: String) { lock.withLock { out += text } }
    func errorLine(_ text: String) { lock.withLock { err += text + "\n" } }

    var stdout: String { lock.withLock { out } }
    var stderr: String { lock.withLock { err } }
    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
}

/// Records crash-fault invocations instead of exiting.
final class CrashRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var totals: [Int] = []

    var crashes: [Int] { lock.withLock { totals } }

    var hooks: EngineHooks {
        EngineHooks(crash: { [self] total in lock.withLock { totals.append(total) } })
    }
}
