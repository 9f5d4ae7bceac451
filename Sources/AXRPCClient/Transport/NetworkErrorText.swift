#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// Short, human text for socket errors. NIO's own descriptions name syscalls and repeat every
/// address tried; a user wants "Connection refused".
enum NetworkErrorText {
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return describe(first.error) }
            // The resolver's own errors name getaddrinfo internals; the host is what matters.
            return "could not resolve host \(error.host)"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        case let error as SocketAddressError:
            if case .unknown(let host, _) = error { return "could not resolve host \(host)" }
            return "\(error)"
        case ChannelError.connectTimeout(let amount):
            return "timed out after \(Double(amount.nanoseconds) / 1e9) s"
        default:
            return "\(error)"
        }
    }
}
