import NIOCore
import XCTest
import RPCProtocol

final class StandardServiceMessageTests: XCTestCase {
    func testHealthCheckMessages() throws {
        XCTAssertEqual(try roundTrip(HealthCheckRequest(service: "axrpc.v1.Inference")),
                       HealthCheckRequest(service: "axrpc.v1.Inference"))
        XCTAssertEqual(try roundTrip(HealthCheckRequest()), HealthCheckRequest())
        for status: HealthCheckResponse.ServingStatus in [.unknown, .serving, .notServing, .serviceUnknown, .unrecognized(8)] {
            XCTAssertEqual(try roundTrip(HealthCheckResponse(status: status)).status, status)
        }
        XCTAssertEqual(serializedBytes(HealthCheckResponse(status: .serving)), [0x08, 0x01])
        XCTAssertEqual(try HealthCheckResponse(wireBytes: ByteBuffer(bytes: [0x08, 0x03])).status, .serviceUnknown)
        XCTAssertEqual(HealthCheckRequest.protoName, "grpc.health.v1.HealthCheckRequest")
    }

    func testReflectionRequestCases() throws {
        let requests: [ServerReflectionRequest.Request?] = [
            .fileByFilename("axrpc/v1/inference.proto"),
            .fileContainingSymbol("axrpc.v1.Inference"),
            .fileContainingExtension(containingType: "axrpc.v1.GenerateRequest", extensionNumber: 123),
            .allExtensionNumbersOfType("axrpc.v1.GenerateRequest"),
            .listServices("*"),
            .listServices(""),
            nil,
        ]
        for request in requests {
            let message = ServerReflectionRequest(host: "localhost:50051", request: request)
            XCTAssertEqual(try roundTrip(message), message)
        }
        XCTAssertEqual(ServerReflectionRequest.protoName, "grpc.reflection.v1.ServerReflectionRequest")
    }

    func testReflectionRequestAsGrpcurlSendsIt() throws {
        // host "" and list_services = "*" (field 7).
        let request = try ServerReflectionRequest(wireBytes: ByteBuffer(bytes: [0x3A, 0x01, 0x2A]))
        XCTAssertEqual(request, ServerReflectionRequest(host: "", request: .listServices("*")))
    }

    func testReflectionResponseCases() throws {
        let original = ServerReflectionRequest(host: "h", request: .fileContainingSymbol("axrpc.v1.Role"))
        let responses: [ServerReflectionResponse.Response?] = [
            .fileDescriptorResponse([[0x0A, 0x01, 0x61], [], Array(0...255)]),
            .fileDescriptorResponse([]),
            .allExtensionNumbersResponse(baseTypeName: "axrpc.v1.GenerateRequest", extensionNumbers: [100, -1, 536_870_911]),
            .allExtensionNumbersResponse(baseTypeName: "t", extensionNumbers: []),
            .listServicesResponse(["axrpc.v1.Inference", "grpc.health.v1.Health"]),
            .listServicesResponse([]),
            .errorResponse(code: 5, message: "no symbol named \"x\" ü"),
            nil,
        ]
        for response in responses {
            let message = ServerReflectionResponse(validHost: "h", originalRequest: original, response: response)
            XCTAssertEqual(try roundTrip(message), message)
        }
        XCTAssertEqual(try roundTrip(ServerReflectionResponse()), ServerReflectionResponse())
    }
}
