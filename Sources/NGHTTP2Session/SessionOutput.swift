import CNGHTTP2
import NIOCore

/// The one way out of an nghttp2 session, for the server and the client alike: everything
/// `mem_send` has ready, as long as the socket takes it, copied into one buffer per flush (the
/// chunks nghttp2 hands out are only valid until its next call).
package enum SessionOutput {
    package enum Drained {
        /// The bytes to write; nil when nghttp2 had nothing.
        case bytes(ByteBuffer?)
        /// nghttp2 failed (its error code); the connection is unusable.
        case failed(Int32)
    }

    package static func drain(_ session: OpaquePointer, allocator: ByteBufferAllocator,
                              isWritable: () -> Bool) -> Drained {
        var batch: ByteBuffer?
        while isWritable() {
            var chunk: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &chunk)
            if count < 0 { return .failed(Int32(truncatingIfNeeded: count)) }
            guard count > 0, let chunk else { break }
            if batch == nil { batch = allocator.buffer(capacity: max(count, 16 * 1024)) }
            batch?.writeBytes(UnsafeRawBufferPointer(start: chunk, count: count))
        }
        return .bytes(batch)
    }

    /// nghttp2's words for one of its error codes.
    package static func describe(_ code: Int32) -> String {
        String(cString: nghttp2_strerror(code))
    }
}
