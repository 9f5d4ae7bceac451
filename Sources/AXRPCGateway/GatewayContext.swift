import AXRPCSecurity
import AXRPCFrontEnd
import Foundation
import Logging
import RuntimeBridge

/// What every route needs: the engine all front ends share, facts about the server, and the
/// gateway's logger and metrics.
package struct GatewayContext: Sendable {
    package let engine: any InferenceEngine
    package let info: ServerInfo
    package let logger: Logger
    package let metrics: (any GatewayMetricsExporter)?
    /// Browser origins allowed to call the API.
    package var cors = CORSPolicy()
    /// Which requests need a bearer key (`--api-key-file`).
    package var access = AccessPolicy.open
    /// Wall-clock start of the gateway: the "modified"/"created" time of the models it lists,
    /// which have no file date of their own.
    package let startedAt = Date()

    /// The model a request names, as the engine knows it. Ollama clients add ":latest" to a name
    /// without a tag (`llama3` means `llama3:latest`), so a configured "foo" also answers to
    /// "foo:latest". nil (the default model) for a missing or empty name; an unknown name is
    /// passed on for the engine to reject with `modelNotFound`, the one place that decides.
    package func resolveModel(_ name: String?) async -> String? {
        guard let name, !name.isEmpty else { return nil }
        let known = await engine.models().map(\.name)
        if known.contains(name) { return name }
        if name.hasSuffix(":latest") {
            let bare = String(name.dropLast(":latest".count))
            if known.contains(bare) { return bare }
        }
        return name
    }

    /// The descriptor of a named (or, for nil/"", the default) model; nil when unknown.
    package func model(named name: String?) async -> ModelDescriptor? {
        let models = await engine.models()
        guard let resolved = await resolveModel(name) else {
            return models.first(where: \.isDefault) ?? models.first
        }
        return models.first { $0.name == resolved }
    }
}

/// Time formats of the two APIs.
package enum GatewayClock {
    /// RFC 3339 with fractional seconds, as Ollama's `created_at` and `modified_at`.
    package static func rfc3339(_ date: Date = Date()) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }

    /// Unix seconds, as OpenAI's `created`.
    package static func unixSeconds(_ date: Date = Date()) -> Int {
        Int(date.timeIntervalSince1970)
    }

    /// Milliseconds (the bridge's timings) as whole nanoseconds (Ollama's durations).
    package static func nanoseconds(_ milliseconds: Double) -> Int {
        guard milliseconds.isFinite, milliseconds > 0 else { return 0 }
        return Int(min(milliseconds * 1_000_000, Double(Int.max / 2)))
    }
}

extension ModelDescriptor {
    /// A stable 64-hex-digit identifier in the place of Ollama's blob digest. Not a content hash:
    /// the runtime's model files are not ours to read; clients only compare digests for equality.
    package var pseudoDigest: String {
        var hex = ""
        var seed: UInt64 = 0xcbf2_9ce4_8422_2325
        for round in 0..<4 {
            var hash = seed ^ UInt64(round)
            for byte in name.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            seed = hash
            hex += String(repeating: "0", count: 16 - String(hash, radix: 16).count) + String(hash, radix: 16)
        }
        return hex
    }
}
