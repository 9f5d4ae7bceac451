import ArgumentParser
import Foundation

/// `axllm-emulator`: a protocol twin of the vendor runtime `main_api_axcl_aarch64` for machines without an
/// NPU. Prints the vendor's start-up lines, "loads" for `--load-seconds`, then serves the runtime's HTTP API.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "axllm-emulator",
        abstract: "Emulates the AX650 LLM runtime (main_api_axcl_aarch64): same HTTP API, quirks and output.",
        discussion: """
            Inspection (not part of the runtime API): GET /__emulator/state, POST /__emulator/reset-state.
            Unknown options are rejected like the vendor binary: 'undefined option: --X', exit status 1.
            """
    )

    @OptionGroup(title: "Emulator options")
    var options: EmulatorOptions

    @OptionGroup(title: "Vendor options (accepted for command-line compatibility)")
    var vendor: VendorOptions

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let console = StandardConsole()
        let configuration = options.engineConfiguration
        console.line("LLM init start")
        console.line("connect \(vendor.urlTokenizerModel) ok")
        console.line("tokenizer init ok")
        if options.loadSeconds > 0 {
            try await Task.sleep(nanoseconds: UInt64(options.loadSeconds * 1_000_000_000))
        }
        if options.failLoad {
            console.line("init axmodel(\(vendor.firstLayerModelPath)) failed")
            console.line("lLaMa.Init failed")
            Foundation.exit(255)
        }
        console.line("init \(vendor.axmodelNum) axmodel ok,devid(\(vendor.firstDevice)) remain_cmm(3781 MB)")
        console.line("init post axmodel ok,remain_cmm(3461 MB)")
        console.line("max_token_len : \(configuration.maxTokenLength)")
        console.line("LLM init ok")

        let server: EmulatorHTTPServer
        do {
            server = try await EmulatorHTTPServer.start(
                host: options.host, port: options.port, configuration: configuration,
                limits: options.connectionLimits, console: console, hooks: Self.processHooks(console: console)
            )
        } catch {
            console.errorLine("bind \(options.host):\(options.port) failed: \(error)")
            Foundation.exit(1)
        }
        console.line("Server running on port \(server.port)...")
        let interrupt = Self.stopOnInterrupt(server)
        try await server.waitUntilClosed()
        interrupt.cancel()
    }

    /// Faults that end the process for real.
    static func processHooks(console: StandardConsole) -> EngineHooks {
        EngineHooks(crash: { total in
            console.errorLine("terminate called after throwing an instance of 'std::runtime_error'")
            console.errorLine("  what():  axcl device 0: dead! (axllm-emulator --crash-after-tokens, \(total) tokens)")
            Foundation.exit(134)
        })
    }

    /// SIGINT stops the server like the vendor's handler (`svr.stop()`), and the process exits with 0.
    /// SIGTERM keeps its default action.
    static func stopOnInterrupt(_ server: EmulatorHTTPServer) -> DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            Task { try? await server.shutdown() }
        }
        source.resume()
        return source
    }
}

/// Entry point: runs `EmulatorCommand`, reporting unknown options the way the vendor's cmdline parser does.
@main
enum EmulatorMain {
    static func main() async {
        do {
            var command = try EmulatorCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let option = unknownOption(in: EmulatorCommand.message(for: error)) {
                StandardConsole().errorLine("undefined option: \(option)")
                Foundation.exit(1)
            }
            EmulatorCommand.exit(withError: error)
        }
    }

    /// `--x` from ArgumentParser's "Unknown option '--x'" message.
    static func unknownOption(in message: String) -> String? {
        guard let range = message.range(of: "Unknown option '") else { return nil }
        let rest = message[range.upperBound...]
        guard let end = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<end])
    }
}
