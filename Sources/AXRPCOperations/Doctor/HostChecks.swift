#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RuntimeBridge

/// The doctor's checks of the machine around a model directory: what the launch cannot see
/// before it is two minutes into a model load (busy ports, missing Python modules or shared
/// libraries, CMA memory, the card's tool and device index).
package enum HostChecks {
    /// Where the vendor's axcl driver package puts its tools, in case /etc/profile (which adds
    /// them to PATH) was not sourced, a setup pitfall of its own.
    package static let axclToolDirectories = ["/usr/bin/axcl", "/usr/local/axcl/bin"]

    package static func all(for inspection: ModelDirectoryInspection, meminfo: String?) -> [PreflightCheck] {
        var checks: [PreflightCheck] = []
        if let endpoint = inspection.runtimeEndpoint { checks.append(portFree(endpoint, role: "runtime")) }
        if let endpoint = inspection.tokenizerEndpoint { checks.append(portFree(endpoint, role: "tokenizer")) }
        checks.append(tokenizerImports(inspection))
        checks.append(sharedLibraries(inspection))
        checks.append(cma(meminfo))
        let smi = axclSMI()
        checks.append(smi.check)
        checks.append(deviceIndex(inspection, smiOutput: smi.output))
        return checks
    }

    /// The runtime's port is fixed (8000) and the tokenizer's is in the run script: a leftover
    /// process from a manual run holds them and the launch fails with "address in use".
    package static func portFree(_ endpoint: RuntimeEndpoint, role: String) -> PreflightCheck {
        let name = "\(role) port \(endpoint.port)"
        guard ["127.0.0.1", "localhost", "0.0.0.0"].contains(endpoint.host) else {
            return PreflightCheck(name, .skip, "\(endpoint.host) is not this machine's loopback")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return PreflightCheck(name, .skip, "cannot create a socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(endpoint.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound == 0 { return PreflightCheck(name, .pass, "free") }
        return PreflightCheck(name, .fail, "in use (\(String(cString: strerror(errno))))",
                              fix: "another \(role) (a manual run?) holds it: find it with `ss -ltnp 'sport = :\(endpoint.port)'` and stop it")
    }

    /// The vendor's tokenizer script imports transformers and jinja2.
    package static func tokenizerImports(_ inspection: ModelDirectoryInspection) -> PreflightCheck {
        let name = "tokenizer Python modules"
        guard let program = inspection.tokenizerProgram else {
            return PreflightCheck(name, .skip, "no tokenizer program to check")
        }
        let base = program.split(separator: "/").last.map(String.init) ?? program
        guard base.hasPrefix("python") else {
            return PreflightCheck(name, .skip, "\(base) is not a Python interpreter")
        }
        guard let outcome = CommandProbe.run([program, "-c", "import transformers, jinja2"],
                                             directory: inspection.directory, environment: inspection.environment) else {
            return PreflightCheck(name, .fail, "cannot run \(program)", fix: "install python3")
        }
        if outcome.status == 0 { return PreflightCheck(name, .pass, "\(program) imports transformers and jinja2") }
        let last = outcome.output.split(separator: "\n").last.map(String.init) ?? "exit \(outcome.status)"
        return PreflightCheck(name, .fail, last,
                              fix: "install them for that interpreter: `\(program) -m pip install transformers jinja2` (or a venv named in \"tokenizer.command\")")
    }

    /// `ldd` of the runtime with the manifest's LD_LIBRARY_PATH: the axcl libraries live in
    /// /usr/lib/axcl, which only /etc/profile adds for login shells.
    package static func sharedLibraries(_ inspection: ModelDirectoryInspection) -> PreflightCheck {
        let name = "runtime shared libraries"
        guard let program = inspection.runtimeProgram, inspection.runtimeIsNativeELF else {
            return PreflightCheck(name, .skip, "no runtime ELF program for this CPU to inspect")
        }
        guard ProgramLookup.find("ldd") != nil,
              let outcome = CommandProbe.run(["ldd", program], environment: inspection.environment) else {
            return PreflightCheck(name, .skip, "ldd is not installed")
        }
        let missing = outcome.output.split(separator: "\n")
            .filter { $0.contains("not found") }
            .compactMap { $0.split(separator: " ").first.map { String($0).trimmingTabs() } }
        if !missing.isEmpty {
            return PreflightCheck(name, .fail, "not found: " + missing.joined(separator: ", "),
                                  fix: "install the axcl driver package, and set \"env\": {\"LD_LIBRARY_PATH\": \"/usr/lib/axcl\"} in the manifest")
        }
        if outcome.status != 0 {
            return PreflightCheck(name, .warn, "ldd exited \(outcome.status): \(outcome.output.prefix(200))")
        }
        return PreflightCheck(name, .pass, "all found")
    }

    /// Contiguous memory for DMA: the Pi's default is small, and exhausting it shows up later as
    /// `ax_sglist_alloc_mem ... failed`.
    package static func cma(_ meminfo: String?) -> PreflightCheck {
        let name = "CMA memory"
        guard let meminfo else { return PreflightCheck(name, .skip, "/proc/meminfo is not readable") }
        func kilobytes(_ key: String) -> Int? {
            for line in meminfo.split(separator: "\n") where line.hasPrefix(key + ":") {
                return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            }
            return nil
        }
        guard let total = kilobytes("CmaTotal"), total > 0 else {
            return PreflightCheck(name, .fail, "no CMA reserved (CmaTotal missing or 0 in /proc/meminfo)",
                                  fix: "reserve some: on Raspberry Pi OS add e.g. cma=512M to /boot/firmware/cmdline.txt and reboot (see docs/hardware.md)")
        }
        let free = kilobytes("CmaFree") ?? 0
        return PreflightCheck(name, .pass, "CmaTotal \(total / 1024) MiB, CmaFree \(free / 1024) MiB")
    }

    /// `axcl-smi` comes with the driver package; when it runs, the card answers.
    package static func axclSMI() -> (check: PreflightCheck, output: String?) {
        let name = "axcl-smi"
        guard let tool = ProgramLookup.find("axcl-smi", extraDirectories: axclToolDirectories) else {
            return (PreflightCheck(name, .fail, "not found on PATH or in \(axclToolDirectories.joined(separator: ", "))",
                                   fix: "install the AXCL driver package for the M.2 card (docs/hardware.md), then log in again so /etc/profile sets PATH"), nil)
        }
        guard let outcome = CommandProbe.run([tool], seconds: 15) else {
            return (PreflightCheck(name, .fail, "cannot run \(tool)"), nil)
        }
        if outcome.timedOut {
            return (PreflightCheck(name, .fail, "\(tool) did not answer within 15 s",
                                   fix: "the card may be wedged (axcl init fail): reboot the host"), nil)
        }
        guard outcome.status == 0 else {
            let last = outcome.output.split(separator: "\n").last.map(String.init) ?? ""
            return (PreflightCheck(name, .fail, "\(tool) exited \(outcome.status): \(last)",
                                   fix: "check the card is seated and the driver loaded (`lsmod | grep axcl`); reboot after a crash"), outcome.output)
        }
        return (PreflightCheck(name, .pass, "\(tool) answers"), outcome.output)
    }

    /// `--devices` takes device indices counted from 0, not the PCIe ids axcl-smi prints.
    package static func deviceIndex(_ inspection: ModelDirectoryInspection, smiOutput: String?) -> PreflightCheck {
        let name = "device index"
        guard inspection.runtimeProgram != nil else { return PreflightCheck(name, .skip, "no runtime program") }
        let arguments = inspection.runtimeArguments
        guard let flag = arguments.firstIndex(of: "--devices"), flag + 1 < arguments.count else {
            return PreflightCheck(name, .fail, "runtime.args has no --devices",
                                  fix: "add \"--devices\", \"0\" (the M.2 card builds exit with \"need option: --devices\")")
        }
        let value = arguments[flag + 1]
        let indices = value.split(separator: ",").map { Int($0) }
        guard !indices.isEmpty, indices.allSatisfy({ ($0 ?? -1) >= 0 }) else {
            return PreflightCheck(name, .fail, "--devices \(value) is not a comma list of indices",
                                  fix: "use 0 for the first card (indices count from 0; axcl-smi shows PCIe ids, which are not indices)")
        }
        return PreflightCheck(name, .pass, "--devices \(value)" + (smiOutput == nil ? "" : " (compare with the cards axcl-smi lists, counted from 0)"))
    }
}

private extension String {
    func trimmingTabs() -> String {
        String(self.drop { $0 == "\t" || $0 == " " })
    }
}
