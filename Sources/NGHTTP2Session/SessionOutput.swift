import CNGHTTP2
import NIOCore

/// Where a session's outgoing bytes go: the connection's NIO channel handler (a buffer in tests).
/// The one output protocol of the server's and the client's connections.
package protocol SessionTransport: AnyObject {
    var isWritable: Bool { get }
    var allocator: ByteBufferAllocator { get }
    func write(_ bytes: ByteBuffer)
    func close()
}

/// The way in and out of an nghttp2 session, for the server and the client alike: socket bytes
/// fed to `mem_recv`, and everything `mem_send` has ready, as long as the socket takes it,
/// copied into one buffer per flush (the chunks nghttp2 hands out are only valid until its next
/// call).
package enum SessionOutput {
    /// Queues the owner's SETTINGS and widens the connection's receive window (a larger one lets
    /// big messages arrive without a WINDOW_UPDATE round trip per 64 KiB). False if nghttp2
    /// refused the settings.
    package static func open(_ session: OpaquePointer, settings: [nghttp2_settings_entry],
                             connectionWindow: Int32) -> Bool {
        var settings = settings
        guard nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count) == 0
        else { return false }
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, connectionWindow)
        return true
    }

    /// Feeds bytes from the socket to nghttp2, which calls back into the owner's `SessionEvents`.
    /// Returns nil, or nghttp2's error code when the bytes broke the protocol.
    package static func receive(_ buffer: ByteBuffer, into session: OpaquePointer) -> Int32? {
        let result = buffer.withUnsafeReadableBytes { bytes in
            nghttp2_session_mem_recv(session, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        return result < 0 ? Int32(truncatingIfNeeded: result) : nil
    }

    /// Writes everything nghttp2 has to send to `transport`, in one write, as long as it is
    /// writable. Returns nil, or nghttp2's error code when it failed (the connection is then
    /// unusable). Never call it from inside an nghttp2 callback: `mem_send` is not reentrant.
    package static func send(_ session: OpaquePointer, to transport: any SessionTransport) -> Int32? {
        var batch: ByteBuffer?
        while transport.isWritable {
            var chunk: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &chunk)
            if count < 0 { return Int32(truncatingIfNeeded: count) }
            guard count > 0, let chunk else { break }
            if batch == nil { batch = transport.allocator.buffer(capacity: max(count, 16 * 1024)) }
            batch?.writeBytes(UnsafeRawBufferPointer(start: chunk, count: count))
        }
        if let batch { transport.write(batch) }
        return nil
    }

    /// nghttp2's words for one of its error codes.
    package static func describe(_ code: Int32) -> String {
        String(cString: nghttp2_strerror(code))
    }
}
