/// A connection's open streams by id, with the one found last kept at hand: nghttp2's callbacks
/// come in runs for one stream (its HEADERS, each header field, its DATA, then its response),
/// and a hit saves the hashing and probing of a dictionary lookup per callback.
struct StreamTable {
    private var byID: [Int32: ServerStream] = [:]
    /// Always one of `byID`'s values (or nil): cleared whenever its stream leaves.
    private var recent: ServerStream?

    init() {}

    var isEmpty: Bool { byID.isEmpty }
    var all: Dictionary<Int32, ServerStream>.Values { byID.values }

    mutating func find(_ id: Int32) -> ServerStream? {
        if let recent, recent.id == id { return recent }
        let found = byID[id]
        if found != nil { recent = found }
        return found
    }

    mutating func insert(_ stream: ServerStream) {
        byID[stream.id] = stream
        recent = stream
    }

    mutating func remove(_ id: Int32) -> ServerStream? {
        if recent?.id == id { recent = nil }
        return byID.removeValue(forKey: id)
    }

    mutating func removeAll() {
        recent = nil
        byID.removeAll()
    }
}
