/// The C callback libFuzzer calls with each input, outside `main.swift` so that it is not
/// MainActor-isolated. libFuzzer calls it on one thread, one input at a time.
enum FuzzDispatch {
    nonisolated(unsafe) static var selected: (@Sendable (UnsafeRawBufferPointer) -> Void)?

    static let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
        guard let selected = FuzzDispatch.selected else { return 0 }
        selected(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
        return 0
    }
}

/// libFuzzer's runtime refers to this symbol even when started through `LLVMFuzzerRunDriver`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDispatch.callback(data, size)
}
