#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Unbuffered writes to stdout/stderr and line reads from stdin. Streamed text must appear as
/// it arrives, so every write goes straight to the file descriptor (no stdio buffer to flush).
enum Console {
    static func out(_ text: String) { write(text, to: STDOUT_FILENO) }
    static func err(_ text: String) { write(text, to: STDERR_FILENO) }

    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) != 0 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// The next line of stdin without its newline; nil at EOF or when the task is cancelled
    /// (Ctrl-C at the prompt). Read on a Dispatch thread so that the blocking read never holds
    /// one of Swift concurrency's few cooperative threads.
    static func readLine() async -> String? {
        let resumer = OneShot()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                resumer.arm(continuation)
                DispatchQueue.global().async {
                    resumer.resume(with: Swift.readLine(strippingNewline: true))
                }
            }
        } onCancel: {
            resumer.resume(with: nil)
        }
    }

    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    private static func systemWrite(_ descriptor: Int32, _ pointer: UnsafePointer<UInt8>, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(descriptor, pointer, count)
        #else
        Darwin.write(descriptor, pointer, count)
        #endif
    }
}

/// Resumes a continuation exactly once, whichever comes first: the line or the cancellation
/// (which may even come before the continuation exists).
private final class OneShot: @unchecked Sendable {
    private let queue = DispatchQueue(label: "axrpc.console.readline")
    private var continuation: CheckedContinuation<String?, Never>?
    private var outcome: String??

    func arm(_ continuation: CheckedContinuation<String?, Never>) {
        queue.sync {
            if let outcome {
                continuation.resume(returning: outcome)
            } else {
                self.continuation = continuation
            }
        }
    }

    func resume(with line: String?) {
        queue.sync {
            guard outcome == nil else { return }
            outcome = .some(line)
            continuation?.resume(returning: line)
            continuation = nil
        }
    }
}
