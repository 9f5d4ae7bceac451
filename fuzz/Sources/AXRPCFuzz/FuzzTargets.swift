import AXRPCFrontEnd
import AXRPCGatewayRequests
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RPCProtocol
@testable import RuntimeBridge

/// The parsers that face the network, each as a libFuzzer target: the input is untrusted bytes,
/// the only acceptable outcomes are a value or a thrown error. ASan and Swift's own traps
/// (overflow, bounds, force unwraps) turn anything else into a crash libFuzzer records.
enum FuzzTargets {
    static let all: [String: @Sendable (UnsafeRawBufferPointer) -> Void] = [
        "deframer": deframer,
        "grpc-timeout": grpcTimeout,
        "metadata": metadata,
        "protobuf": protobuf,
        "runtime-poll": runtimePoll,
        "client-hello": clientHello,
        "gateway-request": gatewayRequest,
    ]

    private static let quietLogger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }

    /// The gateway's reading of a request on every route that reads one (`GatewayRequestParser`,
    /// what the handlers call). The first byte picks the route; the bytes before the first
    /// newline are appended to its path (a query, trailing slashes, a model id); the rest is the
    /// body. A refusal must be a client error (4xx) whose body in the route's dialect is JSON; a
    /// query never changes the path; a body that parses as JSON serializes back to the same value.
    static func gatewayRequest(_ data: UnsafeRawBufferPointer) {
        guard let selector = data.first else { return }
        let routes = GatewayRequestParser.Route.allCases
        let route = routes[Int(selector) % routes.count]
        let rest = data.dropFirst()
        let newline = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
        let suffix = String(decoding: rest[..<newline], as: UTF8.self)
        let body = newline < rest.endIndex ? Array(rest[(newline + 1)...]) : []
        let head = HTTPRequestHead(version: .http1_1, method: route.method, uri: route.path + suffix,
                                   headers: ["Content-Type": "application/json"])
        let request = GatewayRequest(head: head, body: body, logger: quietLogger)
        if route != .openAIModel, suffix.hasPrefix("?") || suffix.hasPrefix("#") {
            precondition(request.path == route.path, "a query changed the path: \(request.path)")
        }
        if let value = JSONValue.parse(body) {
            precondition(JSONValue.parse(Array(value.serialized().utf8)) == value, "JSON does not round-trip")
        }
        do {
            switch try GatewayRequestParser.parse(route, request) {
            case let .ollamaGeneration(parsed):
                _ = RequestLimits().violation(GenerationRequest(model: parsed.model, job: parsed.job,
                                                                sampling: parsed.sampling))
            case let .openAIGeneration(parsed):
                _ = RequestLimits().violation(GenerationRequest(model: parsed.model, job: parsed.job,
                                                                sampling: parsed.sampling))
            case let .pull(parsed):
                _ = try parsed.stream.get()
            case let .modelName(name):
                _ = name?.utf8.count
            case let .modelID(name):
                _ = name.utf8.count
            case .nothing:
                break
            }
        } catch let error as GatewayError {
            precondition((400..<500).contains(error.status.code), "a parse error is not a client error: \(error.status)")
            let rendered = error.body(for: route.dialect).serialized()
            precondition(JSONValue.parse(Array(rendered.utf8)) != nil, "the error body is not JSON: \(rendered)")
        } catch {
            preconditionFailure("a parse threw something other than a GatewayError: \(error)")
        }
    }

    /// The TLS ClientHello's ALPN list, read before the handshake on the gRPC port.
    static func clientHello(_ data: UnsafeRawBufferPointer) {
        if case let .offered(protocols) = ClientHelloALPN.inspect(data) {
            _ = protocols.count
        }
    }

    /// gRPC message framing, with the input cut into DATA-frame-like pieces at the offsets its
    /// first bytes choose, and a small size limit so the limit's path is reached.
    static func deframer(_ data: UnsafeRawBufferPointer) {
        guard data.count >= 2 else { return }
        var deframer = MessageDeframer(maxMessageSize: 1024, compressionNegotiated: data[0] & 1 == 1)
        let step = Int(data[1]) + 1
        var offset = 2
        while offset < data.count {
            let end = min(data.count, offset + step)
            deframer.append(UnsafeRawBufferPointer(rebasing: data[offset..<end]))
            offset = end
            do {
                while let message = try deframer.next() { _ = message.readableBytes }
            } catch {
                return
            }
        }
        _ = deframer.hasPartialMessage
    }

    static func grpcTimeout(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        if let timeout = GRPCTimeout(headerValue: text) {
            // What was accepted must print back as a header that parses again.
            precondition(GRPCTimeout(headerValue: timeout.headerValue) != nil, "re-encoded grpc-timeout does not parse")
        }
    }

    /// Header name and value split at the first 0 byte; `-bin` values go through base64.
    /// grpc-message percent-encoding must round-trip.
    static func metadata(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        let name = String(decoding: bytes[..<split], as: UTF8.self)
        let value = String(decoding: bytes[min(split + 1, bytes.count)...], as: UTF8.self)
        var metadata = Metadata()
        try? metadata.addWireHeader(name: name, value: value)
        for header in metadata.wireHeaders { _ = header.value.utf8.count }
        _ = metadata.binaryValue(name)
        let decoded = StatusMessageEncoding.decode(value)
        precondition(StatusMessageEncoding.decode(StatusMessageEncoding.encode(decoded)) == decoded,
                     "grpc-message encoding does not round-trip")
    }

    /// Every request message type through protobuf-c, chosen by the first byte; what parses is
    /// serialized and parsed again.
    static func protobuf(_ data: UnsafeRawBufferPointer) {
        guard let selector = data.first else { return }
        var buffer = ByteBufferAllocator().buffer(capacity: data.count)
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: data.dropFirst()))
        switch selector % 6 {
        case 0: roundTrip(GenerateRequest.self, buffer)
        case 1: roundTrip(ChatRequest.self, buffer)
        case 2: roundTrip(HealthRequest.self, buffer)
        case 3: roundTrip(ListModelsRequest.self, buffer)
        case 4: roundTrip(HealthCheckRequest.self, buffer)
        default: roundTrip(ServerReflectionRequest.self, buffer)
        }
    }

    private static func roundTrip<Message: WireMessage>(_ type: Message.Type, _ buffer: ByteBuffer) {
        guard let message = try? Message(wireBytes: buffer) else { return }
        var out = ByteBufferAllocator().buffer(capacity: message.serializedSize)
        message.serialize(into: &out)
        precondition(out.readableBytes == message.serializedSize, "\(Message.protoName): serializedSize is wrong")
        precondition((try? Message(wireBytes: out)) != nil, "\(Message.protoName) does not parse its own bytes")
    }

    /// The runtime's `generate_provider` answer, decoded as the bridge decodes it.
    static func runtimePoll(_ data: UnsafeRawBufferPointer) {
        _ = try? JSONDecoder().decode(RuntimeWireFormat.PollBody.self, from: Data(data))
        _ = try? JSONDecoder().decode(RuntimeWireFormat.ErrorBody.self, from: Data(data))
    }
}
