#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a small text file the operator named (configuration, key file, PEM) with the system's
/// own words on failure, and refuses one too large to be what was meant.
package enum SmallTextFile {
    package static let maximumBytes = 1 << 20

    /// Why a file could not be read; `problem` is the system's error text or the size limit.
    package struct Failure: Error, CustomStringConvertible {
        package let path: String
        package let problem: String
        package var tooLarge: Bool
        package var description: String { "\(path): \(problem)" }
    }

    package static func contents(of path: String) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, problem: String(cString: strerror(errno)), tooLarge: false) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, problem: String(cString: strerror(errno)), tooLarge: false)
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            guard bytes.count <= maximumBytes else { throw Failure(path: path, problem: "larger than 1 MiB", tooLarge: true) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
