import CNGHTTP2

/// The C callbacks of the client session, forwarding to the `HTTP2ClientConnection` in
/// `user_data`. C function pointers cannot capture, so they are static members here (and never
/// closures in a main.swift, which would be MainActor-isolated and trap on an event-loop thread).
enum ClientNGHTTP2Callbacks {
    /// A callbacks object for `nghttp2_session_client_new2`; the caller deletes it.
    static func make() -> OpaquePointer? {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0 else { return nil }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            guard let frame, let connection = ClientNGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.beginHeaders(frame)
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) {
            _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let name, let value, let connection = ClientNGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.header(frame, name: UnsafeBufferPointer(start: name, count: nameLength),
                                     value: UnsafeBufferPointer(start: value, count: valueLength))
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame, let connection = ClientNGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.frameReceived(frame)
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) {
            _, _, streamID, data, length, userData in
            guard let connection = ClientNGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.dataReceived(streamID, UnsafeRawBufferPointer(start: data, count: length))
        }
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks) { _, frame, errorCode, userData in
            guard let frame, let connection = ClientNGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.frameNotSent(frame, libraryError: errorCode)
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            guard let connection = ClientNGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.streamClosed(streamID, errorCode: errorCode)
        }
        nghttp2_session_callbacks_set_error_callback2(callbacks) { _, _, message, length, userData in
            guard let message, let connection = ClientNGHTTP2Callbacks.connection(userData) else { return 0 }
            let bytes = UnsafeRawBufferPointer(start: message, count: length)
            connection.sessionError(String(decoding: bytes, as: UTF8.self))
            return 0
        }
        return callbacks
    }

    /// The data provider's read callback: the request body of one stream.
    static let readRequestData: nghttp2_data_source_read_callback = {
        _, streamID, buffer, length, flags, _, userData in
        guard let buffer, let flags, let connection = ClientNGHTTP2Callbacks.connection(userData) else {
            return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
        }
        return connection.readRequestData(streamID, into: buffer, length: length, flags: flags)
    }

    private static func connection(_ userData: UnsafeMutableRawPointer?) -> HTTP2ClientConnection? {
        guard let userData else { return nil }
        return Unmanaged<HTTP2ClientConnection>.fromOpaque(userData).takeUnretainedValue()
    }
}
