import Logging
import NIOCore
import RPCProtocol

/// The first handler of a TLS gRPC connection: holds the bytes back until the ClientHello is
/// complete, answers a client that does not offer the required ALPN protocol with the TLS alert
/// `no_application_protocol` (what grpc-go and grpc++ servers send), and then steps aside.
///
/// A client that speaks cleartext HTTP/2 to the TLS port gets a log line that says so, which is
/// the usual mistake (`grpcurl -plaintext` against a TLS server).
package final class ClientHelloALPNGate: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer

    /// A fatal `no_application_protocol` (120) alert record; alerts before the ServerHello are
    /// sent in the clear.
    package static let noApplicationProtocolAlert: [UInt8] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 120]

    private let requiredProtocol: String
    private let logger: Logger
    private var buffered: ByteBuffer?
    private var decided = false

    package init(requiredProtocol: String, logger: Logger) {
        self.requiredProtocol = requiredProtocol
        self.logger = logger
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard !decided else {
            context.fireChannelRead(data)
            return
        }
        if buffered == nil {
            buffered = incoming
        } else {
            buffered?.writeBuffer(&incoming)
        }
        guard let bytes = buffered?.readableBytesView else { return }
        switch ClientHelloALPN.inspect(bytes) {
        case .needMore:
            if bytes.count > ClientHelloALPN.maxRecordLength + 5 { pass(context) }
        case .undecidable:
            pass(context)
        case .notTLS:
            if bytes.starts(with: Array("PRI * HTTP/2".utf8)) {
                logger.info("a client spoke cleartext HTTP/2 to the TLS gRPC port; it must use TLS (e.g. grpcurl without -plaintext)",
                            metadata: ["peer": "\(Self.peer(context))"])
                decided = true
                context.close(promise: nil)
            } else {
                pass(context)
            }
        case let .offered(protocols):
            if protocols.contains(requiredProtocol) {
                pass(context)
            } else {
                logger.info("refused a TLS client that does not offer the required ALPN protocol (gRPC needs HTTP/2 over TLS)",
                            metadata: ["peer": "\(Self.peer(context))", "offered": "\(protocols)",
                                       "required": "\(requiredProtocol)"])
                decided = true
                var alert = context.channel.allocator.buffer(capacity: Self.noApplicationProtocolAlert.count)
                alert.writeBytes(Self.noApplicationProtocolAlert)
                // Seven bytes on a fresh socket are written at once, before the close.
                context.writeAndFlush(NIOAny(alert), promise: nil)
                context.close(promise: nil)
            }
        }
    }

    /// Hands what was held back to TLS and leaves the pipeline.
    private func pass(_ context: ChannelHandlerContext) {
        decided = true
        if let held = buffered {
            buffered = nil
            context.fireChannelRead(wrapInboundOut(held))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private static func peer(_ context: ChannelHandlerContext) -> String {
        context.channel.remoteAddress.map { "\($0)" } ?? "unknown"
    }
}
