import Foundation
import XCTest
@testable import RPCProtocol

final class DescriptorSetTests: XCTestCase {
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The bytes of the C array in the generated descriptor set source.
    private func generatedBytes() throws -> [UInt8] {
        let url = Self.packageRoot.appendingPathComponent("Sources/CAXRPCProto/generated/axrpc_descriptor_set.c")
        let source = try String(contentsOf: url, encoding: .utf8)
        let start = try XCTUnwrap(source.range(of: "= {")).upperBound
        let end = try XCTUnwrap(source.range(of: "};", range: start..<source.endIndex)).lowerBound
        return try source[start..<end].split(whereSeparator: { $0 == "," || $0.isWhitespace }).map {
            try XCTUnwrap(UInt8($0))
        }
    }

    func testServedBytesAreTheGeneratedCArray() throws {
        XCTAssertEqual(DescriptorSet.serialized, try generatedBytes())
    }

    func testSetHoldsTheFourProtoFiles() {
        let index = DescriptorIndex.shared
        XCTAssertEqual(DescriptorSet.fileDescriptorProtos.count, 4)
        for name in ["axrpc/v1/inference.proto", "grpc/health/v1/health.proto",
                     "grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"] {
            XCTAssertNotNil(index.file(named: name), name)
        }
        XCTAssertEqual(index.file(named: "axrpc/v1/inference.proto").map { DescriptorSet.fileDescriptorProtos.contains($0) }, true)
        XCTAssertNil(index.file(named: "nope.proto"))
    }

    func testServices() {
        XCTAssertEqual(Set(DescriptorIndex.shared.serviceNames), [
            "axrpc.v1.Inference", "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
        ])
    }

    func testSymbols() {
        let index = DescriptorIndex.shared
        let expectations = [
            "axrpc.v1.GenerateRequest": "axrpc/v1/inference.proto",
            "axrpc.v1.Inference": "axrpc/v1/inference.proto",
            "axrpc.v1.Inference.Generate": "axrpc/v1/inference.proto",
            "axrpc.v1.Role": "axrpc/v1/inference.proto",
            ".axrpc.v1.HealthResponse": "axrpc/v1/inference.proto",
            "axrpc.v1.GenerateRequest.prompt": "axrpc/v1/inference.proto",
            "axrpc.v1.ROLE_USER": "axrpc/v1/inference.proto",
            "grpc.health.v1.Health": "grpc/health/v1/health.proto",
            "grpc.health.v1.Health.Watch": "grpc/health/v1/health.proto",
            "grpc.health.v1.HealthCheckResponse.ServingStatus": "grpc/health/v1/health.proto",
            "grpc.reflection.v1.ServerReflection": "grpc/reflection/v1/reflection.proto",
            "grpc.reflection.v1alpha.ServerReflection": "grpc/reflection/v1alpha/reflection.proto",
            "grpc.reflection.v1alpha.ServerReflection.ServerReflectionInfo": "grpc/reflection/v1alpha/reflection.proto",
        ]
        for (symbol, file) in expectations {
            XCTAssertEqual(index.fileName(containingSymbol: symbol), file, symbol)
        }
        XCTAssertNil(index.fileName(containingSymbol: "axrpc.v1.Missing"))
        XCTAssertNil(index.fileName(containingSymbol: "axrpc.v1"))
        XCTAssertEqual(index.dependencies(ofFile: "axrpc/v1/inference.proto"), [])
    }

    func testIndexOfHandWrittenDescriptors() {
        // FileDescriptorProto { name "a.proto" package "p" dependency "b.proto"
        //   message_type { name "M" nested_type { name "N" } enum_type { name "E" } } service { name "S" } }
        let nested: [UInt8] = [0x0A, 0x01, 0x4E]
        let enumType: [UInt8] = [0x0A, 0x01, 0x45]
        let message: [UInt8] = [0x0A, 0x01, 0x4D, 0x1A, 0x03] + nested + [0x22, 0x03] + enumType
        let file: [UInt8] = [0x0A, 0x07] + Array("a.proto".utf8) + [0x12, 0x01, 0x70, 0x1A, 0x07] + Array("b.proto".utf8)
            + [0x22, UInt8(message.count)] + message + [0x32, 0x03, 0x0A, 0x01, 0x53]
        let index = DescriptorIndex(fileDescriptorProtos: [file, [0x0A, 0x09, 0x61], [0x0A, 0x01, 0x62]])
        XCTAssertEqual(index.fileName(containingSymbol: "p.M.N"), "a.proto")
        XCTAssertEqual(index.fileName(containingSymbol: "p.M.E"), "a.proto")
        XCTAssertEqual(index.fileName(containingSymbol: "p.S"), "a.proto")
        XCTAssertEqual(index.dependencies(ofFile: "a.proto"), ["b.proto"])
        XCTAssertEqual(index.serviceNames, ["p.S"])
        // The truncated blob is left out, the well-formed second one (no package) is kept.
        XCTAssertEqual(index.file(named: "b"), [0x0A, 0x01, 0x62])
    }
}
