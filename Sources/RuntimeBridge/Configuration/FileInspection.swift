#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small, read-only checks on files a model directory refers to, so that the common setup
/// mistakes (Git LFS pointers, a binary for another CPU) are named before a two-minute load.
enum FileInspection {
    /// Git LFS pointer files start with this line and are about 130 bytes long.
    static let lfsPointerPrefix = Array("version https://git-lfs.github.com/spec/v1".utf8)

    enum Kind: Equatable {
        case missing
        case directory
        case lfsPointer
        case elf(machine: UInt16)
        case script
        case other
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0 && !isDirectory(path)
    }

    /// The first `count` bytes of a file (fewer when it is shorter); nil when unreadable.
    static func prefix(of path: String, count: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress.map { $0 + filled }, count - filled)
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            filled += got
        }
        return Array(bytes[0..<filled])
    }

    static func kind(of path: String) -> Kind {
        guard exists(path) else { return .missing }
        if isDirectory(path) { return .directory }
        guard let head = prefix(of: path, count: 64) else { return .other }
        if head.starts(with: lfsPointerPrefix) { return .lfsPointer }
        if head.starts(with: [0x7F, 0x45, 0x4C, 0x46]), head.count >= 20 {
            // e_machine: 16 bits at offset 18, in the file's byte order (EI_DATA, offset 5).
            let littleEndian = head[5] == 1
            let machine = littleEndian
                ? UInt16(head[18]) | UInt16(head[19]) << 8
                : UInt16(head[19]) | UInt16(head[18]) << 8
            return .elf(machine: machine)
        }
        if head.starts(with: Array("#!".utf8)) { return .script }
        return .other
    }

    /// The ELF machine number of the CPU this server runs on, nil when unknown.
    static var hostMachine: UInt16? {
        #if arch(arm64)
        return 183 // EM_AARCH64
        #elseif arch(x86_64)
        return 62 // EM_X86_64
        #else
        return nil
        #endif
    }

    static func machineName(_ machine: UInt16) -> String {
        switch machine {
        case 183: return "aarch64 (ARM 64-bit)"
        case 62: return "x86-64"
        case 40: return "32-bit ARM"
        case 3: return "x86 (32-bit)"
        default: return "ELF machine \(machine)"
        }
    }

    /// Git LFS pointer files in `directory` and one level of subdirectories (where the model
    /// packages keep their axmodels), at most `limit` of them.
    static func lfsPointers(in directory: String, limit: Int = 10) -> [String] {
        var found: [String] = []
        func scan(_ dir: String, depth: Int) {
            for name in entries(of: dir) where found.count < limit && !name.hasPrefix(".") {
                let path = dir + "/" + name
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    if depth > 0 { scan(path, depth: depth - 1) }
                } else if info.st_size < 1024, kind(of: path) == .lfsPointer {
                    found.append(path)
                }
            }
        }
        scan(directory, depth: 1)
        return found
    }

    static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The whole file as bytes (for small JSON files); nil when unreadable.
    static func contents(of path: String, maximumBytes: Int = 4 << 20) -> [UInt8]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return prefix(of: path, count: min(Int(info.st_size), maximumBytes))
    }
}
