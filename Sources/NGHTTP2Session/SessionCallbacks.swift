import CNGHTTP2

/// The C callbacks of every session, server or client: each turns its C arguments into Swift
/// values and calls the owner's `SessionEvents`. Static members, never closures in a
/// main.swift: a top-level closure there would be MainActor-isolated and trap when nghttp2
/// calls it from an event-loop thread.
package enum SessionCallbacks {
    /// A callbacks object for `nghttp2_session_*_new2`; the caller deletes it.
    package static func make() -> OpaquePointer? {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0 else { return nil }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            guard let frame, let owner = SessionCallbacks.owner(userData) else { return 0 }
            return owner.headersBegan(FrameEvent(frame))
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) {
            _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let name, let value, let owner = SessionCallbacks.owner(userData) else { return 0 }
            return owner.header(FrameEvent(frame), name: UnsafeBufferPointer(start: name, count: nameLength),
                                value: UnsafeBufferPointer(start: value, count: valueLength))
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame, let owner = SessionCallbacks.owner(userData) else { return 0 }
            return owner.frameReceived(FrameEvent(frame))
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) {
            _, _, streamID, data, length, userData in
            guard let owner = SessionCallbacks.owner(userData) else { return 0 }
            return owner.dataReceived(streamID, UnsafeRawBufferPointer(start: data, count: length))
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            guard let frame, let owner = SessionCallbacks.owner(userData) else { return 0 }
            return owner.frameSent(FrameEvent(frame))
        }
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks) { _, frame, errorCode, userData in
            guard let frame, let owner = SessionCallbacks.owner(userData) else { return 0 }
            return owner.frameNotSent(FrameEvent(frame), libraryError: errorCode)
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            guard let owner = SessionCallbacks.owner(userData) else { return 0 }
            return owner.streamClosed(streamID, errorCode: errorCode)
        }
        nghttp2_session_callbacks_set_error_callback2(callbacks) { _, _, message, length, userData in
            guard let message, let owner = SessionCallbacks.owner(userData) else { return 0 }
            owner.sessionError(String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self))
            return 0
        }
        return callbacks
    }

    /// The data provider's read callback, for `nghttp2_data_provider.read_callback`.
    package static let readBody: nghttp2_data_source_read_callback = {
        _, streamID, buffer, length, flags, _, userData in
        guard let buffer, let flags, let owner = SessionCallbacks.owner(userData) else {
            return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
        }
        return owner.readBody(streamID, into: buffer, length: length, flags: flags)
    }

    private static func owner(_ userData: UnsafeMutableRawPointer?) -> (any SessionEvents)? {
        guard let userData else { return nil }
        return Unmanaged<SessionEventRelay>.fromOpaque(userData).takeUnretainedValue().owner
    }
}
