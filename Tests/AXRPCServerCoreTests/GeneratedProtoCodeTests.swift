import Foundation
import XCTest

/// The committed protobuf-c code and descriptor set must be exactly what `make proto` writes
/// from `proto/`, or a contract change would ship with stale C structs.
final class GeneratedProtoCodeTests: XCTestCase {
    func testCommittedCodeMatchesProtoFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let committed = root.appendingPathComponent("Sources/CAXRPCProto")
        let fresh = FileManager.default.temporaryDirectory
            .appendingPathComponent("axrpc-proto-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: fresh) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root.appendingPathComponent("scripts/gen-proto.sh").path, fresh.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "scripts/gen-proto.sh failed")

        let generated = try files(under: fresh)
        XCTAssertFalse(generated.isEmpty)
        for relative in generated {
            let new = try Data(contentsOf: fresh.appendingPathComponent(relative))
            let old = try? Data(contentsOf: committed.appendingPathComponent(relative))
            XCTAssertEqual(old, new, "\(relative) is stale: run `make proto` and commit the result")
        }
        let committedGenerated = try files(under: committed).filter {
            $0.hasSuffix(".pb-c.c") || $0.hasSuffix(".pb-c.h") || $0.hasSuffix("descriptor_set.c")
        }
        XCTAssertEqual(Set(committedGenerated), Set(generated.filter { !$0.hasSuffix(".modulemap") }),
                       "generated files were added or removed: run `make proto`")
    }

    private func files(under directory: URL) throws -> [String] {
        let base = directory.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter { path in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: base + "/" + path, isDirectory: &isDirectory)
            return !isDirectory.boolValue
        }
    }
}
