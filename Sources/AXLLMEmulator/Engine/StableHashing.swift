/// FNV-1a (64-bit) over explicitly fed values: a hash that is stable across runs and platforms
/// (unlike `Hasher`), used to derive reply seeds and conversation digests.
struct StableHasher: Sendable {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    init() {}

    mutating func combine(bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
    }

    mutating func combine(_ number: UInt64) {
        withUnsafeBytes(of: number.littleEndian) { combine(bytes: $0) }
    }

    /// Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
    mutating func combine(_ string: String) {
        combine(UInt64(string.utf8.count))
        combine(bytes: string.utf8)
    }
}

/// SplitMix64: a tiny, well-distributed deterministic PRNG for picking reply words.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (`bound` > 0).
    mutating func next(below bound: Int) -> Int {
        Int(next() % UInt64(max(1, bound)))
    }
}
