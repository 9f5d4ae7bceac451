import CNGHTTP2

/// The C callbacks nghttp2 calls during `mem_recv`/`mem_send`, forwarding to the connection in
/// `user_data`. They live here, not in main.swift: a top-level closure there would be
/// MainActor-isolated and crash when nghttp2 calls it from an event-loop thread.
package enum NGHTTP2Callbacks {
    package static func make() -> OpaquePointer? {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0 else { return nil }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            guard let frame, let connection = NGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.beginHeaders(frame)
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) {
            _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let name, let value, let connection = NGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.header(
                frame, name: UnsafeBufferPointer(start: name, count: nameLength),
                value: UnsafeBufferPointer(start: value, count: valueLength))
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame, let connection = NGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.frameReceived(frame)
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) {
            _, _, streamID, data, length, userData in
            guard let connection = NGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.dataReceived(streamID, UnsafeRawBufferPointer(start: data, count: length))
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            guard let frame, let connection = NGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.frameSent(frame)
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            guard let connection = NGHTTP2Callbacks.connection(userData) else { return 0 }
            return connection.streamClosed(streamID, errorCode: errorCode)
        }
        return callbacks
    }

    /// The data provider's read callback (the response body of one stream).
    package static let readResponseData: nghttp2_data_source_read_callback = {
        _, streamID, buffer, length, flags, _, userData in
        guard let buffer, let flags, let connection = NGHTTP2Callbacks.connection(userData) else {
            return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
        }
        return connection.readResponseData(streamID, into: buffer, length: length, flags: flags)
    }

    private static func connection(_ userData: UnsafeMutableRawPointer?) -> HTTP2ServerConnection? {
        guard let userData else { return nil }
        return Unmanaged<HTTP2ServerConnection>.fromOpaque(userData).takeUnretainedValue()
    }
}
