#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// systemd's readiness protocol (`Type=notify`) without libsystemd: one datagram such as
/// `READY=1` to the Unix socket named by `$NOTIFY_SOCKET` (a path, or `@name` for the abstract
/// namespace). Without the variable (not under systemd) every call does nothing.
package struct SystemdNotifier: Sendable {
    package let socketPath: String?

    package init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"] ?? ""
        socketPath = path.isEmpty ? nil : path
    }

    package var isActive: Bool { socketPath != nil }

    /// Sends `message` (newline-separated `KEY=value` assignments); returns an errno description on
    /// failure so the caller can log it. Never throws: a lost notification must not stop serving.
    @discardableResult
    package func notify(_ message: String) -> String? {
        guard let socketPath else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return "NOTIFY_SOCKET path is too long" }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        // Abstract names are not NUL-terminated: the length says where they end.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1))
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return "socket(AF_UNIX): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        let sent = message.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, text.baseAddress, text.count - 1, 0, socketAddress, length)
                }
            }
        }
        return sent < 0 ? "sendto \(socketPath): \(String(cString: strerror(errno)))" : nil
    }
}
