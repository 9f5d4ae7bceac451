import AXRPCOperations
import XCTest

@testable import AXRPCServer

/// The executable's command line against the configuration layers of `AXRPCOperations`.
final class ServerFlagsTests: XCTestCase {
    /// Every flag in `--help` is a configuration key (or is about the configuration itself), so a
    /// flag added later cannot be forgotten in the file and environment layers.
    func testEveryServerFlagIsAConfigurationKey() {
        let help = ServerCommand.helpMessage(columns: 500)
        let flags = Set(help.split(whereSeparator: { " ,\n[]".contains($0) })
            .filter { $0.hasPrefix("--") }
            .map { String($0.prefix { $0 == "-" || ($0.isLetter && $0.isLowercase) }) })
        let known = Set(ServerSetting.all.map(\.flag)).union(["--config", "--help", "--version"])
        XCTAssertFalse(flags.isEmpty)
        XCTAssertEqual(flags.subtracting(known), [], "flags missing from ServerSetting.all")
        XCTAssertEqual(Set(ServerSetting.all.map(\.flag)).subtracting(flags), [], "keys that are no flag")
    }
}
