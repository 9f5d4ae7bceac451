import NIOConcurrencyHelpers
import NIOCore

/// The framed reply of a unary method whose answer depends only on a small key (Health: the
/// runtime's status and the uptime in whole seconds), kept for as long as the key stays the same:
/// a mesh's probes and load tests ask the same question many times a second, and encoding the
/// message each time was a tenth of the server's CPU per call.
package final class LatestFrameCache<Key: Equatable & Sendable>: Sendable {
    private let latest = NIOLockedValueBox<(key: Key, frame: ByteBuffer)?>(nil)

    package init() {}

    /// The frame for `key`, made by `make` when the key differs from the last one asked for.
    package func frame(for key: Key, make: (Key) -> ByteBuffer) -> ByteBuffer {
        if let hit = latest.withLockedValue({ $0?.key == key ? $0?.frame : nil }) { return hit }
        let frame = make(key)
        latest.withLockedValue { $0 = (key, frame) }
        return frame
    }
}
