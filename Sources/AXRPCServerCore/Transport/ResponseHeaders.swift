import NGHTTP2Session
import RPCProtocol

/// The header blocks every gRPC response starts or ends with, built once instead of per call.
enum ResponseHeaders {
    /// HEADERS of a response with messages.
    static let grpc = HeaderBlock([(":status", "200"), ("content-type", "application/grpc")])
    /// The trailers of a call that ended OK.
    static let okTrailers = HeaderBlock([("grpc-status", "\(StatusCode.ok.rawValue)")])
    /// Trailers-Only of a call that ended OK without a message.
    static let okTrailersOnly = HeaderBlock(grpc.fields + okTrailers.fields)
}
