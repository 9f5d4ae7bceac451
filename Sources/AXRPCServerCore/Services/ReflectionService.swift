import RPCProtocol

/// Server reflection, `grpc.reflection.v1` and `v1alpha` (wire-identical), answered from the
/// FileDescriptorSet that `make proto` builds: grpcurl, grpc_cli and dynamic clients discover
/// the API with it.
package struct ReflectionService: Sendable {
    package let index: DescriptorIndex

    package var routes: [RPCRoute] {
        MethodPath.reflection.map { path in
            .bidirectionalStreaming(path) {
                (requests: RequestStream<ServerReflectionRequest>,
                 writer: ResponseWriter<ServerReflectionResponse>, _) in
                for try await request in requests {
                    try await writer.write(answer(request))
                }
            }
        }
    }

    package func answer(_ request: ServerReflectionRequest) -> ServerReflectionResponse {
        var response = ServerReflectionResponse(validHost: request.host, originalRequest: request)
        switch request.request {
        case .listServices:
            response.response = .listServicesResponse(index.serviceNames.sorted())
        case let .fileByFilename(name):
            response.response = files(startingWith: name)
                ?? notFound("no file named \"\(name)\"")
        case let .fileContainingSymbol(symbol):
            response.response = index.fileName(containingSymbol: symbol).flatMap(files(startingWith:))
                ?? notFound("no symbol named \"\(symbol)\"")
        case let .fileContainingExtension(containingType, number):
            response.response = notFound("no extension \(number) of \"\(containingType)\"")
        case let .allExtensionNumbersOfType(type):
            response.response = index.fileName(containingSymbol: type) == nil
                ? notFound("no type named \"\(type)\"")
                : .allExtensionNumbersResponse(baseTypeName: type, extensionNumbers: [])
        case nil:
            response.response = .errorResponse(code: Int32(StatusCode.invalidArgument.rawValue),
                                               message: "the reflection request names no question")
        }
        return response
    }

    /// The file first, then its transitive dependencies, each once.
    private func files(startingWith name: String) -> ServerReflectionResponse.Response? {
        guard index.file(named: name) != nil else { return nil }
        var order: [String] = []
        var seen: Set<String> = []
        var queue = [name]
        while let next = queue.first {
            queue.removeFirst()
            guard seen.insert(next).inserted else { continue }
            order.append(next)
            queue.append(contentsOf: index.dependencies(ofFile: next))
        }
        return .fileDescriptorResponse(order.compactMap { index.file(named: $0) })
    }

    private func notFound(_ message: String) -> ServerReflectionResponse.Response {
        .errorResponse(code: Int32(StatusCode.notFound.rawValue), message: message)
    }
}
