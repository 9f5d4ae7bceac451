import CNGHTTP2

/// What nghttp2 tells the owner of a session (the server's or the client's connection), in
/// Swift values. Called on the owner's event loop from inside `mem_recv`/`mem_send`; the
/// return values are nghttp2's (0, or an `NGHTTP2_ERR_*` code).
package protocol SessionEvents: AnyObject {
    func headersBegan(_ frame: FrameEvent) -> Int32
    func header(_ frame: FrameEvent, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Int32
    func frameReceived(_ frame: FrameEvent) -> Int32
    func dataReceived(_ streamID: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32
    func frameSent(_ frame: FrameEvent) -> Int32
    func frameNotSent(_ frame: FrameEvent, libraryError: Int32) -> Int32
    func streamClosed(_ streamID: Int32, errorCode: UInt32) -> Int32
    func sessionError(_ message: String)
    /// The data provider of a stream's body: copy up to `length` bytes, set EOF flags, or
    /// return `NGHTTP2_ERR_DEFERRED`.
    func readBody(_ streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, length: Int,
                  flags: UnsafeMutablePointer<UInt32>) -> Int
}

extension SessionEvents {
    package func frameSent(_ frame: FrameEvent) -> Int32 { 0 }
    package func frameNotSent(_ frame: FrameEvent, libraryError: Int32) -> Int32 { 0 }
    package func sessionError(_ message: String) {}
}

/// The `user_data` of a session: a reference to its owner that the C callbacks can reach
/// without a dynamic cast. The owner keeps it alive as long as the session.
package final class SessionEventRelay {
    package unowned(unsafe) let owner: any SessionEvents

    package init(owner: any SessionEvents) {
        self.owner = owner
    }

    /// What to pass as `user_data` (not retained).
    package var userData: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
}
