import RPCProtocol

/// The methods a server serves, by `:path`.
package struct Router: Sendable {
    private var routes: [String: RPCRoute] = [:]

    package init(_ routes: [RPCRoute]) {
        for route in routes { self.routes[route.path] = route }
    }

    package subscript(path: String) -> RPCRoute? { routes[path] }

    /// The fully-qualified service names that have at least one route.
    package var serviceNames: Set<String> {
        Set(routes.keys.compactMap { path in
            path.split(separator: "/", omittingEmptySubsequences: true).first.map(String.init)
        })
    }
}
