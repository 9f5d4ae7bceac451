#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's environment variables as a dictionary (without Foundation's ProcessInfo).
package enum ProcessEnvironment {
    package static var current: [String: String] {
        var result: [String: String] = [:]
        #if canImport(Glibc)
        var cursor = environ
        #else
        var cursor = NSGetEnviron().pointee
        #endif
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }
}
