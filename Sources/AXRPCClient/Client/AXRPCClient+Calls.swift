import NIOCore
import RPCProtocol

/// The generic call shapes under the typed methods: one request message, then a stream of
/// responses (server streaming) or exactly one (unary).
extension AXRPCClient {
    func serverStreaming<Request: WireMessage, Response: WireMessage>(
        _ path: String, _ request: Request, timeout: Duration?, as _: Response.Type
    ) -> AsyncThrowingStream<Response, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Response, any Error>.makeStream()
        let cancellation = CallCancellation()
        continuation.onTermination = { termination in
            if case .cancelled = termination { cancellation.cancel() }
        }
        // The deadline starts now: connecting is part of the call.
        let deadline = timeout.map { CallDeadline(timeout: $0) }
        let body = MessageFramer.frame(request)
        let handler = ResponseHandler(
            message: { bytes in continuation.yield(try Response(wireBytes: bytes)) },
            finish: { error in continuation.finish(throwing: error) })
        connectionProvider.connection().whenComplete { result in
            switch result {
            case .failure(let error):
                continuation.finish(throwing: error)
            case .success(let handle):
                // Callbacks of the connection future run on its channel's event loop.
                let opened = cancellation.start(handle.connection) {
                    handle.connection.value.startCall(path: path, body: body, deadline: deadline, handler: handler)
                }
                if !opened { continuation.finish(throwing: RPCError(.cancelled, "the call was cancelled by the client")) }
            }
        }
        return stream
    }

    func unary<Request: WireMessage, Response: WireMessage>(
        _ path: String, _ request: Request, timeout: Duration?, as type: Response.Type
    ) async throws -> Response {
        var response: Response?
        for try await message in serverStreaming(path, request, timeout: timeout, as: type) {
            guard response == nil else {
                throw RPCError(.internalError, "\(path) is unary but the server sent more than one response")
            }
            response = message
        }
        // A cancelled task ends the iteration without an error; the caller must still see one.
        if Task.isCancelled { throw RPCError(.cancelled, "the call was cancelled by the client") }
        guard let response else {
            throw RPCError(.internalError, "\(path) ended OK without a response message")
        }
        return response
    }
}
