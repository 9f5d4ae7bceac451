import AXRPCFrontEnd
import NIOCore
import Logging
import NIOHTTP1

/// One complete HTTP request as the router sees it: NIOHTTP1 has parsed it, the channel handler
/// has collected its body. Requests to this API are small JSON documents, so holding the whole
/// body (bounded by `GatewayChannelHandler.maxBodyBytes`, `--max-body-bytes`) is simpler than streaming it.
package struct GatewayRequest: Sendable {
    package var method: HTTPMethod
    /// The path without the query, percent-decoding left to the routes that take parameters.
    package var path: String
    package var headers: HTTPHeaders
    package var body: [UInt8]
    /// The gateway's logger with this request's `request_id`; generations carry it into the bridge.
    package var logger: Logger

    package init(head: HTTPRequestHead, body: [UInt8], logger: Logger) {
        (self.logger, _) = RequestID.logger(from: logger)
        method = head.method
        headers = head.headers
        self.body = body
        let uri = head.uri
        var path = String(uri.prefix { $0 != "?" && $0 != "#" })
        // `/api/tags/` is what some clients build from a base URL with a trailing slash.
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        self.path = path.isEmpty ? "/" : path
    }

    /// The body as a JSON object, or a 400 saying why not.
    package func jsonObject() throws(GatewayError) -> JSONValue {
        guard !body.isEmpty else {
            throw GatewayError.badRequest("the request body is empty; send a JSON object", code: "invalid_json")
        }
        guard let value = JSONValue.parse(body) else {
            throw GatewayError.badRequest("the request body is not valid JSON", code: "invalid_json")
        }
        guard value.isObject else {
            throw GatewayError.badRequest("the request body must be a JSON object", code: "invalid_json")
        }
        return value
    }
}

/// Typed reads of request fields. Each throws a 400 naming the field (`options.top_k`) when it has
/// the wrong type, so a client's mistake is explained instead of silently ignored.
package struct FieldReader {
    package let object: JSONValue
    /// Prefix for messages, e.g. "options." for the fields of `options`.
    package var prefix = ""

    /// A field that is missing or JSON null reads as absent: clients serialize unset options as null.
    private func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    package func string(_ key: String) throws(GatewayError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else { throw mistyped(key, "a string") }
        return string
    }

    package func bool(_ key: String) throws(GatewayError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.boolValue else { throw mistyped(key, "true or false") }
        return bool
    }

    package func double(_ key: String) throws(GatewayError) -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue, number.isFinite else { throw mistyped(key, "a number") }
        return number
    }

    /// A finite number that fits a Float (the runtime's sampling fields are 32-bit).
    package func float(_ key: String) throws(GatewayError) -> Float? {
        guard let number = try double(key) else { return nil }
        let float = Float(number)
        guard float.isFinite else { throw mistyped(key, "a number of sensible size") }
        return float
    }

    package func int(_ key: String) throws(GatewayError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value.intValue else { throw mistyped(key, "a whole number") }
        return int
    }

    /// A string or a list of strings (`stop` in both APIs).
    package func strings(_ key: String) throws(GatewayError) -> [String]? {
        guard let value = value(key) else { return nil }
        if let single = value.stringValue { return [single] }
        guard let items = value.arrayValue else { throw mistyped(key, "a string or a list of strings") }
        var strings: [String] = []
        for item in items {
            guard let string = item.stringValue else { throw mistyped(key, "a string or a list of strings") }
            strings.append(string)
        }
        return strings
    }

    package func array(_ key: String) throws(GatewayError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard let items = value.arrayValue else { throw mistyped(key, "a list") }
        return items
    }

    package func object(_ key: String) throws(GatewayError) -> FieldReader? {
        guard let value = value(key) else { return nil }
        guard value.isObject else { throw mistyped(key, "an object") }
        return FieldReader(object: value, prefix: prefix + key + ".")
    }

    /// The keys present (non-null) that are not in `known`, for the debug log of ignored fields.
    package func unknownKeys(_ known: Set<String>) -> [String] {
        object.objectKeys.filter { !known.contains($0) && value($0) != nil }.map { prefix + $0 }
    }

    private func mistyped(_ key: String, _ expected: String) -> GatewayError {
        .badRequest("\(prefix)\(key) must be \(expected)")
    }
}
