/// Cuts a child's output bytes into lines. Lines longer than `maximumLineBytes` are emitted in
/// pieces: the runtime echoes generated text without newlines, and one runaway "line" must
/// neither grow without bound nor stop the draining (a full pipe would block the runtime).
struct LineSplitter {
    let maximumLineBytes: Int
    private var pending: [UInt8] = []

    init(maximumLineBytes: Int = 4096) {
        self.maximumLineBytes = max(1, maximumLineBytes)
    }

    /// Feeds bytes; calls `emit` for each complete line, without its "\n" or "\r\n".
    mutating func append(_ bytes: UnsafeRawBufferPointer, emit: (String) -> Void) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                emit(take())
            } else {
                pending.append(byte)
                if pending.count >= maximumLineBytes { emit(take()) }
            }
        }
    }

    /// The unterminated rest at end of file, if any.
    mutating func finish() -> String? {
        pending.isEmpty ? nil : take()
    }

    private mutating func take() -> String {
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        // Invalid UTF-8 (a multi-byte character split by the length cap) becomes U+FFFD.
        let line = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        return line
    }
}
