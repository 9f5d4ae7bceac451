import CAXRPCFuzzDriver
#if canImport(Glibc)
import Glibc
#endif

// `axrpc-fuzz TARGET [libFuzzer flags] [corpus dirs]`: one binary for every target, so the
// instrumented dependencies are built once. The target name is taken off the arguments before
// libFuzzer sees them.
let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTargets.all[arguments[1]] else {
    let names = FuzzTargets.all.keys.sorted().joined(separator: ", ")
    let usage = "usage: axrpc-fuzz TARGET [libFuzzer options] [corpus ...]; targets: \(names)\n"
    _ = usage.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    exit(2)
}
FuzzDispatch.selected = target
var driverArguments = [arguments[0]] + arguments.dropFirst(2)
var cArguments: [UnsafeMutablePointer<CChar>?] = driverArguments.map { strdup($0) } + [nil]
var count = Int32(driverArguments.count)
let status = cArguments.withUnsafeMutableBufferPointer { pointer -> Int32 in
    var base = pointer.baseAddress
    return LLVMFuzzerRunDriver(&count, &base, FuzzDispatch.callback)
}
exit(status)
