import CNGHTTP2
import NIOCore
import NIOEmbedded

/// An nghttp2 client session that talks to a server handler in an `EmbeddedChannel`: bytes in,
/// bytes out, no sockets. Records each stream's header blocks, body and reset code.
final class InMemoryHTTP2Client {
    struct StreamRecord {
        var headerBlocks: [[(String, String)]] = [[]]
        var body: [UInt8] = []
        var resetCode: UInt32?
        var closed = false
        var headers: [(String, String)] { headerBlocks.first ?? [] }
        var trailers: [(String, String)] { headerBlocks.count > 2 ? headerBlocks[1] : [] }
        func value(_ name: String) -> String? {
            headerBlocks.joined().first { $0.0 == name }?.1
        }
    }

    let channel: EmbeddedChannel
    private(set) var session: OpaquePointer?
    var streams: [Int32: StreamRecord] = [:]
    /// Request bodies keyed by stream, read by the data provider.
    var uploads: [Int32: [UInt8]] = [:]

    init(channel: EmbeddedChannel) {
        self.channel = channel
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let name, let value, let userData else { return 0 }
            let client = Unmanaged<InMemoryHTTP2Client>.fromOpaque(userData).takeUnretainedValue()
            let id = frame.pointee.hd.stream_id
            let field = (String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self),
                         String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self))
            var record = client.streams[id] ?? StreamRecord()
            record.headerBlocks[record.headerBlocks.count - 1].append(field)
            client.streams[id] = record
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame, let userData else { return 0 }
            let client = Unmanaged<InMemoryHTTP2Client>.fromOpaque(userData).takeUnretainedValue()
            let id = frame.pointee.hd.stream_id
            if frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) {
                client.streams[id, default: StreamRecord()].headerBlocks.append([])
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, id, data, length, userData in
            guard let userData, let data else { return 0 }
            let client = Unmanaged<InMemoryHTTP2Client>.fromOpaque(userData).takeUnretainedValue()
            client.streams[id, default: StreamRecord()].body.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, id, code, userData in
            guard let userData else { return 0 }
            let client = Unmanaged<InMemoryHTTP2Client>.fromOpaque(userData).takeUnretainedValue()
            client.streams[id, default: StreamRecord()].closed = true
            if code != 0 { client.streams[id, default: StreamRecord()].resetCode = code }
            return 0
        }
        nghttp2_session_client_new(&session, callbacks, Unmanaged.passUnretained(self).toOpaque())
        nghttp2_submit_settings(session, 0, nil, 0)
    }

    deinit { nghttp2_session_del(session) }

    /// Starts a request; returns its stream id.
    func request(path: String, method: String = "POST", contentType: String = "application/grpc",
                 extraHeaders: [(String, String)] = [], body: [UInt8]? = nil) -> Int32 {
        var fields = [(":method", method), (":scheme", "http"), (":path", path), (":authority", "test"),
                      ("content-type", contentType), ("te", "trailers")] + extraHeaders
        var storage: [[UInt8]] = []
        for field in fields { storage.append(Array(field.0.utf8)); storage.append(Array(field.1.utf8)) }
        var pairs: [nghttp2_nv] = []
        let id: Int32 = storage.withUnsafeMutableBufferPointer { buffers in
            for index in 0..<fields.count {
                let name = buffers[2 * index].withUnsafeMutableBufferPointer { $0.baseAddress }
                let value = buffers[2 * index + 1].withUnsafeMutableBufferPointer { $0.baseAddress }
                pairs.append(nghttp2_nv(name: name, value: value, namelen: buffers[2 * index].count,
                                        valuelen: buffers[2 * index + 1].count, flags: 0))
            }
            if body != nil {
                var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil)) {
                    _, id, buffer, length, flags, _, userData in
                    guard let userData, let buffer, let flags else { return -902 }
                    let client = Unmanaged<InMemoryHTTP2Client>.fromOpaque(userData).takeUnretainedValue()
                    let pending = client.uploads[id] ?? []
                    let count = min(length, pending.count)
                    if count > 0, let base = pending.withUnsafeBytes({ $0.baseAddress }) {
                        UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: count)
                    }
                    client.uploads[id] = Array(pending.dropFirst(count))
                    if client.uploads[id]?.isEmpty ?? true { flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue }
                    return count
                }
                let id = nghttp2_submit_request(session, nil, pairs, pairs.count, &provider, nil)
                return id
            }
            return nghttp2_submit_request(session, nil, pairs, pairs.count, nil, nil)
        }
        fields.removeAll()
        if let body { uploads[id] = body.isEmpty ? [] : body }
        return id
    }

    /// Exchanges bytes with the server until neither side has anything more to say.
    func exchange() throws {
        for _ in 0..<100 {
            var progressed = false
            while true {
                var chunk: UnsafePointer<UInt8>?
                let count = nghttp2_session_mem_send(session, &chunk)
                guard count > 0, let chunk else { break }
                var buffer = channel.allocator.buffer(capacity: count)
                buffer.writeBytes(UnsafeRawBufferPointer(start: chunk, count: count))
                try channel.writeInbound(buffer)
                progressed = true
            }
            channel.embeddedEventLoop.run()
            while var output = try channel.readOutbound(as: ByteBuffer.self) {
                output.withUnsafeReadableBytes { bytes in
                    _ = nghttp2_session_mem_recv(session, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
                }
                output.moveReaderIndex(to: output.writerIndex)
                progressed = true
            }
            if !progressed { return }
        }
    }
}
