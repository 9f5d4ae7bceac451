// swift-tools-version: 6.0
// axrpc: a gRPC inference server (nghttp2 + protobuf-c, driven by SwiftNIO) for the AX650 NPU runtime.
import PackageDescription

// Layering: each target depends only on targets on lines above it.
//
//   CNGHTTP2, CAXRPCProto          C: nghttp2 (system), protobuf-c code generated from proto/
//   JSONText                       JSON string literals, written one way everywhere
//   NGHTTP2Session                 what server and client share of nghttp2
//   RPCProtocol                    gRPC wire protocol, method paths, the API's messages
//   RuntimeBridge                  the NPU runtime behind `InferenceEngine` (no HTTP/2, no protobuf)
//   AXRPCFrontEnd                  shared by both faces: server facts, liveness, tool calls, JSON,
//                                  request limits (an engine wrapper)
//   AXRPCGatewayRequests           what the gateway reads from each route's request (pure, fuzzed)
//   AXRPCSecurity                  shared by both faces, on swift-nio-ssl: bearer keys, TLS/mTLS and
//                                  ALPN, certificate reload, connection limits and timeouts
//   AXRPCServerCore | AXRPCGateway gRPC routing, services, HTTP/2 transport | Ollama/OpenAI, probes
//   AXRPCOperations                configuration layering and the security and limit flags, metrics,
//                                  systemd, doctor
//   AXRPCServer (exe)              command line and wiring
//
//   AXRPCClient -> AXRPCCLI (exe)  the Swift client (on NGHTTP2Session, RPCProtocol) and `axrpc`;
//                                  AXLLMEmulator (exe) stands alone

let package = Package(
    name: "axrpc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "axrpc-server", targets: ["AXRPCServer"]),
        .executable(name: "axllm-emulator", targets: ["AXLLMEmulator"]),
        .executable(name: "axrpc", targets: ["AXRPCCLI"]),
        .library(name: "AXRPCClient", targets: ["AXRPCClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C: nghttp2 from the system (pkg-config libnghttp2).
        .systemLibrary(
            name: "CNGHTTP2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        // C: protobuf-c code generated from proto/ by scripts/gen-proto.sh (committed).
        .target(
            name: "CAXRPCProto",
            cSettings: [.headerSearchPath("include")],
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),
        // What the server and the client share of nghttp2: the header block, the output buffer.
        .target(
            name: "NGHTTP2Session",
            dependencies: [
                "CNGHTTP2",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // gRPC wire protocol and the API's messages as Swift values.
        .target(
            name: "RPCProtocol",
            dependencies: [
                "CAXRPCProto",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // JSON string literals for every JSON the project writes (the emulator keeps its runtime's own).
        .target(name: "JSONText"),
        // The vendor runtime: client, supervisor, scheduler, conversation state. No HTTP/2, no protobuf.
        .target(
            name: "RuntimeBridge",
            dependencies: [
                "JSONText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        // What both front ends share: server facts, liveness, tool calls and JSON output, the
        // JSON values they are written in, the listener. No HTTP/2, no HTTP/1 routes.
        .target(
            name: "AXRPCFrontEnd",
            dependencies: [
                "JSONText",
                "RPCProtocol",
                "RuntimeBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What both faces' listeners share for security and connection limits: bearer keys and
        // the access policy, TLS contexts (reloaded on SIGHUP), the ALPN gate, connection counting
        // and timeouts. The only library on swift-nio-ssl, so the others stay off it.
        .target(
            name: "AXRPCSecurity",
            dependencies: [
                "RPCProtocol",
                "AXRPCFrontEnd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The gRPC face: RPC routing, the services (against `InferenceEngine`) and the HTTP/2
        // transport on nghttp2 that serves them.
        .target(
            name: "AXRPCServerCore",
            dependencies: [
                "CNGHTTP2",
                "NGHTTP2Session",
                "RPCProtocol",
                "RuntimeBridge",
                "AXRPCFrontEnd",
                "AXRPCSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The Ollama/OpenAI face over HTTP/1.1, probes and /metrics. Not on the HTTP/2 transport.
        // What the gateway reads from a request, route by route, as pure functions: no channel,
        // no TLS (so the fuzz build needs no BoringSSL).
        .target(
            name: "AXRPCGatewayRequests",
            dependencies: [
                "RuntimeBridge",
                "AXRPCFrontEnd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "AXRPCGateway",
            dependencies: [
                "AXRPCGatewayRequests",
                "RuntimeBridge",
                "AXRPCFrontEnd",
                "AXRPCSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Running the server as a service: configuration layering, metrics, systemd, journald,
        // `doctor` and `init-model`.
        .target(
            name: "AXRPCOperations",
            dependencies: [
                "JSONText",
                "RPCProtocol",
                "RuntimeBridge",
                "AXRPCFrontEnd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `axrpc-server`: the command line and the wiring of the libraries above. Nothing else.
        .executableTarget(
            name: "AXRPCServer",
            dependencies: [
                "RPCProtocol",
                "RuntimeBridge",
                "AXRPCFrontEnd",
                "AXRPCServerCore",
                "AXRPCGateway",
                "AXRPCOperations",
                "AXRPCSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A typed async client of axrpc.v1 over an nghttp2 client session (framing and messages
        // shared with the server through RPCProtocol).
        .target(
            name: "AXRPCClient",
            dependencies: [
                "CNGHTTP2",
                "NGHTTP2Session",
                "RPCProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // `axrpc`: the command-line client.
        .executableTarget(
            name: "AXRPCCLI",
            dependencies: [
                "JSONText",
                "AXRPCClient",
                "RPCProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A protocol twin of the vendor runtime for machines without an NPU. Shares no code with the bridge.
        .executableTarget(
            name: "AXLLMEmulator",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RPCProtocolTests", dependencies: ["RPCProtocol"]),
        // A scripted `InferenceEngine` the front ends' tests share.
        .target(
            name: "EngineFakes",
            dependencies: [
                "RuntimeBridge",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/EngineFakes"
        ),
        .testTarget(
            name: "AXRPCServerCoreTests",
            dependencies: [
                "AXRPCServerCore", "AXRPCFrontEnd", "EngineFakes", "NGHTTP2Session", "RPCProtocol", "CNGHTTP2", "RuntimeBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AXRPCGatewayTests",
            dependencies: [
                "AXRPCGateway", "AXRPCGatewayRequests", "AXRPCFrontEnd", "RuntimeBridge", "EngineFakes",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "AXRPCServerTests", dependencies: ["AXRPCServer", "AXRPCOperations", "AXRPCSecurity", "RPCProtocol"]),
        .testTarget(
            name: "AXRPCOperationsTests",
            dependencies: [
                "AXRPCOperations", "AXRPCFrontEnd", "RuntimeBridge",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "RuntimeBridgeTests",
            dependencies: [
                "RuntimeBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "AXLLMEmulatorTests", dependencies: ["AXLLMEmulator"]),
        .testTarget(
            name: "AXRPCClientTests",
            dependencies: ["AXRPCClient", "NGHTTP2Session", "RPCProtocol", .product(name: "NIOCore", package: "swift-nio")]
        ),
    ]
)

// libFuzzer targets (`make fuzz`): in the manifest only when AXRPC_FUZZ is set, since they link
// against libFuzzer (`-sanitize=fuzzer,address`, built in .build-fuzz) and nothing else needs them.
if Context.environment["AXRPC_FUZZ"] != nil {
    package.targets += [
        .target(name: "CAXRPCFuzzDriver", path: "fuzz/Sources/CAXRPCFuzzDriver"),
        .executableTarget(
            name: "AXRPCFuzz",
            dependencies: ["CAXRPCFuzzDriver", "RPCProtocol", "RuntimeBridge", "AXRPCFrontEnd", "AXRPCGatewayRequests",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            path: "fuzz/Sources/AXRPCFuzz"
        ),
    ]
    package.products.append(.executable(name: "axrpc-fuzz", targets: ["AXRPCFuzz"]))
}
