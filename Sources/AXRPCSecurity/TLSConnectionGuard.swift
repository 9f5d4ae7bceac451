import Logging
import NIOCore
import NIOSSL
import NIOTLS
import RPCProtocol

/// Sits right behind `NIOSSLServerHandler`: closes a gRPC connection whose client did not agree
/// on ALPN `h2` (HTTP/2 over TLS without ALPN is not gRPC; `ClientHelloALPNGate` has normally
/// refused such a client with an alert already), and logs failed handshakes (a client without
/// the certificate mTLS asks for, an untrusted CA) where an operator looks for them.
package final class TLSConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = NIOAny

    private let requiredProtocol: String?
    private let logger: Logger
    private var handshakeDone = false

    package init(requiredProtocol: String?, logger: Logger) {
        self.requiredProtocol = requiredProtocol
        self.logger = logger
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case let .handshakeCompleted(negotiated) = event as? TLSUserEvent {
            handshakeDone = true
            if let requiredProtocol, negotiated != requiredProtocol {
                logger.info("closing a TLS connection that did not negotiate the required ALPN protocol", metadata: [
                    "required": "\(requiredProtocol)",
                    "peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "unknown")",
                    "negotiated": "\(negotiated ?? "none")"])
                context.close(promise: nil)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeDone {
            let reason = TLSFailureText.describe(error, side: .server) ?? "TLS handshake failed: \(error)"
            // A client that gave up (or that the ALPN gate turned away) is no news.
            let level: Logger.Level = reason.contains("closed during") ? .debug : .info
            logger.log(level: level, "\(reason)", metadata: [
                "peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "unknown")"])
        }
        context.fireErrorCaught(error)
    }
}

/// Puts TLS in front of a connection of either port when the server has TLS configured.
package enum TLSPipeline {
    package static func addForGRPC(_ channel: any Channel, store: TLSContextStore, logger: Logger) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(ClientHelloALPNGate(requiredProtocol: "h2", logger: logger))
        try pipeline.addHandler(NIOSSLServerHandler(context: store.grpc))
        try pipeline.addHandler(TLSConnectionGuard(requiredProtocol: "h2", logger: logger))
    }

    package static func addForHTTP(_ channel: any Channel, store: TLSContextStore, logger: Logger) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(NIOSSLServerHandler(context: store.http))
        try pipeline.addHandler(TLSConnectionGuard(requiredProtocol: nil, logger: logger))
    }
}
