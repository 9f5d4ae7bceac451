/// A JSON value as a client sent it. Requests are parsed into it (`JSONValue.parse`) and the inspection
/// endpoint serialises recorded values back.
indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}
