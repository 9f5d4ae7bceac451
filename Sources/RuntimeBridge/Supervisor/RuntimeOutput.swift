/// The numbers the runtime prints per turn (`ttft: %.2f ms`, `hit eos,avg %.2f token/s`), the
/// latest of each; nil until it has printed one.
public struct RuntimeMetrics: Sendable, Equatable {
    public var timeToFirstTokenMilliseconds: Double?
    public var tokensPerSecond: Double?
    public init(timeToFirstTokenMilliseconds: Double? = nil, tokensPerSecond: Double? = nil) {
        self.timeToFirstTokenMilliseconds = timeToFirstTokenMilliseconds
        self.tokensPerSecond = tokensPerSecond
    }
}

/// Recognises the lines of the runtime's stdout that matter to the supervisor. Matches anywhere
/// in a line: the runtime echoes generated text without a newline, so a metrics line can arrive
/// glued to the end of the answer.
enum RuntimeOutputParser {
    /// `ttft: 1339.12 ms` -> 1339.12
    static func timeToFirstToken(in line: String) -> Double? {
        number(in: line, after: "ttft:", before: "ms")
    }

    /// `hit eos,avg 3.65 token/s` -> 3.65
    static func tokensPerSecond(in line: String) -> Double? {
        number(in: line, after: "hit eos,avg", before: "token/s")
    }

    /// `Server running on port 8000...` -> 8000
    static func announcedPort(in line: String) -> Int? {
        number(in: line, after: "Server running on port", before: nil).map { Int($0) }
    }

    /// Lines of the runtime's own failure messages (`lLaMa.Init failed`, `axcl init fail`,
    /// `device 0: dead!`, `undefined option: --port`), worth a warning in the log.
    static func looksLikeFailure(_ line: String) -> Bool {
        let lower = line.lowercased()
        return ["fail", "error", "dead!", "undefined option", "need option", "timeout", "not found"]
            .contains { lower.contains($0) }
    }

    private static func number(in line: String, after marker: String, before unit: String?) -> Double? {
        guard let start = line.firstRange(of: marker) else { return nil }
        let rest = line[start.upperBound...].drop { $0 == " " }
        let digits = rest.prefix { $0.isNumber || $0 == "." || $0 == "-" }
        if let unit {
            guard rest.dropFirst(digits.count).drop(while: { $0 == " " }).hasPrefix(unit) else { return nil }
        }
        var text = String(digits)
        while text.hasSuffix(".") { text.removeLast() } // "8000..." -> "8000"
        return Double(text)
    }
}

/// The last lines a program printed, to quote when it fails.
struct OutputTail: Sendable {
    let capacity: Int
    private(set) var lines: [String] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func append(_ line: String) {
        lines.append(line)
        if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
    }

    mutating func removeAll() {
        lines.removeAll()
    }

    /// The last `count` non-empty lines, each on its own indented line, for error messages.
    func quoted(last count: Int) -> String {
        lines.filter { !ConfigurationText.trimmed($0).isEmpty }.suffix(count).map { "  | " + $0 }.joined(separator: "\n")
    }
}
