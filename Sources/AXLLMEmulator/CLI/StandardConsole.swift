import Foundation

/// `EngineConsole` on the process's stdout/stderr. Every call is written at once with write(2) (no stdio
/// buffering), so a supervisor reading through a pipe sees each line as soon as it is printed.
struct StandardConsole: EngineConsole {
    func line(_ text: String) {
        Self.write(text + "\n", to: STDOUT_FILENO)
    }

    func text(_ text: String) {
        Self.write(text, to: STDOUT_FILENO)
    }

    func errorLine(_ text: String) {
        Self.write(text + "\n", to: STDERR_FILENO)
    }

    static func write(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Foundation.write(descriptor, base + offset, raw.count - offset)
            }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                return  // closed pipe: drop the output, like a runtime whose stdout nobody reads
            }
        }
    }
}
