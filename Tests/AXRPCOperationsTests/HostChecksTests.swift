import RuntimeBridge
import XCTest

@testable import AXRPCFrontEnd
@testable import AXRPCOperations

/// The doctor's host checks that read text: CMA in /proc/meminfo and the --devices value.
final class HostChecksTests: XCTestCase {
    func testCMAFromMeminfo() {
        let good = HostChecks.cma("MemTotal: 8000000 kB\nCmaTotal:  524288 kB\nCmaFree:   262144 kB\n")
        XCTAssertEqual(good.outcome, .pass)
        XCTAssertEqual(good.detail, "CmaTotal 512 MiB, CmaFree 256 MiB")
        XCTAssertEqual(HostChecks.cma("MemTotal: 8000000 kB\nCmaTotal: 0 kB\n").outcome, .fail)
        XCTAssertEqual(HostChecks.cma("MemTotal: 8000000 kB\n").outcome, .fail)
        XCTAssertEqual(HostChecks.cma(nil).outcome, .skip)
    }

    func testDeviceIndices() {
        func check(_ args: [String]) -> PreflightCheck {
            var inspection = ModelDirectoryInspection(directory: "/m")
            inspection.runtimeProgram = "/m/main_api_axcl_aarch64"
            inspection.runtimeArguments = args
            return HostChecks.deviceIndex(inspection, smiOutput: nil)
        }
        XCTAssertEqual(check(["--devices", "0"]).outcome, .pass)
        XCTAssertEqual(check(["--devices", "0,1"]).outcome, .pass)
        XCTAssertEqual(check(["--devices", "0001:01:00.0"]).outcome, .fail)
        XCTAssertEqual(check(["--axmodel_num", "36"]).outcome, .fail)
        XCTAssertEqual(DoctorCommand.line(check(["--devices"])),
                       "[FAIL] device index: runtime.args has no --devices\n       fix: add \"--devices\", \"0\" (the M.2 card builds exit with \"need option: --devices\")")
    }
}
