/// Enforces stop sequences on streamed text. The runtime knows nothing of them, so the bridge
/// watches the text: a tail that could still become a stop sequence is held back until the next
/// piece decides it, and nothing at or after a stop sequence is ever released.
///
/// Matching is on UTF-8 bytes, as if the text arrived one byte at a time: the first stop
/// sequence to be completed wins (the longest one if several end at the same byte), so the result
/// does not depend on how the text was split into pieces. Cuts always fall on a character
/// boundary because a stop sequence starts with a lead byte. Strings are compared as bytes, so a
/// stop sequence in a different Unicode normalization than the model's output does not match.
struct StopSequenceCutter {
    private let stops: [[UInt8]]
    private let longest: Int
    private var held: [UInt8] = []
    /// A stop sequence was found; everything after it is dropped.
    private(set) var matched = false

    init(stops: [String]) {
        let stops = stops.filter { !$0.isEmpty }.map { Array($0.utf8) }
        self.stops = stops
        self.longest = stops.map(\.count).max() ?? 0
    }

    /// The text that is safe to relay now, and whether a stop sequence ended the reply.
    mutating func feed(_ text: String) -> (text: String, matched: Bool) {
        if matched { return ("", true) }
        if stops.isEmpty { return (text, false) }
        let alreadyChecked = held.count
        held.append(contentsOf: text.utf8)

        if let start = firstMatchStart(endingAfter: alreadyChecked) {
            matched = true
            let before = String(decoding: held[..<start], as: UTF8.self)
            held = []
            return (before, true)
        }
        let keep = heldBackStart()
        let safe = String(decoding: held[..<keep], as: UTF8.self)
        held.removeFirst(keep)
        return (safe, false)
    }

    /// The reply ended without a stop sequence: the held tail was ordinary text after all.
    mutating func finish() -> String {
        defer { held = [] }
        return matched ? "" : String(decoding: held, as: UTF8.self)
    }

    /// Earliest end position first, so the outcome matches byte-at-a-time processing.
    private func firstMatchStart(endingAfter checked: Int) -> Int? {
        guard held.count > checked else { return nil }
        for end in (checked + 1)...held.count {
            var best: Int?
            for stop in stops where stop.count <= end {
                let start = end - stop.count
                if held[start..<end].elementsEqual(stop), best.map({ start < $0 }) ?? true { best = start }
            }
            if let best { return best }
        }
        return nil
    }

    /// Where the longest tail that is a proper prefix of some stop sequence begins.
    private func heldBackStart() -> Int {
        let from = max(0, held.count - (longest - 1))
        for start in from..<held.count {
            let tail = held[start...]
            if stops.contains(where: { $0.count > tail.count && $0.starts(with: tail) }) { return start }
        }
        return held.count
    }
}
