// swift-tools-version: 6.0
// axrpc: a gRPC inference server (nghttp2 + protobuf-c, driven by SwiftNIO) for the AX650 NPU runtime.
import PackageDescription

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
        // gRPC wire protocol and the API's messages as Swift values.
        .target(
            name: "RPCProtocol",
            dependencies: [
                "CAXRPCProto",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The vendor runtime: client, supervisor, scheduler, conversation state. No HTTP/2, no protobuf.
        .target(
            name: "RuntimeBridge",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        // The server: HTTP/2 transport on nghttp2, services, CLI.
        .executableTarget(
            name: "AXRPCServer",
            dependencies: [
                "CNGHTTP2",
                "RPCProtocol",
                "RuntimeBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // A typed async client of axrpc.v1 over an nghttp2 client session (framing and messages
        // shared with the server through RPCProtocol).
        .target(
            name: "AXRPCClient",
            dependencies: [
                "CNGHTTP2",
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
        .testTarget(
            name: "AXRPCServerTests",
            dependencies: [
                "AXRPCServer", "RPCProtocol", "CNGHTTP2", "RuntimeBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
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
            dependencies: ["AXRPCClient", "RPCProtocol", .product(name: "NIOCore", package: "swift-nio")]
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
            dependencies: ["CAXRPCFuzzDriver", "RPCProtocol", "RuntimeBridge",
                           .product(name: "NIOCore", package: "swift-nio")],
            path: "fuzz/Sources/AXRPCFuzz"
        ),
    ]
    package.products.append(.executable(name: "axrpc-fuzz", targets: ["AXRPCFuzz"]))
}
