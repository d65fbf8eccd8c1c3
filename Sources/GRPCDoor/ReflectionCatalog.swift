import Foundation
import GRPCCore
internal import SwiftProtobuf

/// What the reflection service knows: the files the gRPC door serves (the descriptor set
/// scripts/generate-protos embeds), indexed by import path and by every symbol they declare, and
/// how it answers one question about them.
struct ReflectionCatalog: Sendable {
    /// Each file serialized, by import path ("multiembed/v1/service.proto").
    private let files: [String: Data]
    /// Each file's direct imports, by import path.
    private let imports: [String: [String]]
    /// The file declaring each fully qualified service, method, message and enum (nested ones
    /// too), without a leading dot.
    private let symbols: [String: String]
    /// Every message type's full name: the types whose extension numbers may be asked for.
    private let messages: Set<String>
    /// The services the files declare, by full name, sorted.
    let services: [String]

    /// The catalog of the embedded descriptor set; a set that does not decode (it is generated
    /// and compiled in, so only a broken generator could do that) gives an empty catalog.
    static let embedded: ReflectionCatalog = {
        guard let bytes = Data(base64Encoded: reflectionDescriptorSetBase64, options: .ignoreUnknownCharacters),
              let set = try? Google_Protobuf_FileDescriptorSet(serializedBytes: bytes)
        else { return ReflectionCatalog(files: []) }
        return ReflectionCatalog(files: set.file)
    }()

    init(files descriptors: [Google_Protobuf_FileDescriptorProto]) {
        var files: [String: Data] = [:]
        var imports: [String: [String]] = [:]
        var symbols: [String: String] = [:]
        var messages: Set<String> = []
        var services: [String] = []
        for file in descriptors {
            files[file.name] = (try? file.serializedBytes()) ?? Data()
            imports[file.name] = file.dependency
            let prefix = file.package.isEmpty ? "" : file.package + "."
            func declare(_ message: Google_Protobuf_DescriptorProto, in scope: String) {
                let name = scope + message.name
                symbols[name] = file.name
                messages.insert(name)
                for nested in message.nestedType { declare(nested, in: name + ".") }
                for nested in message.enumType { symbols[name + "." + nested.name] = file.name }
            }
            for message in file.messageType { declare(message, in: prefix) }
            for enumeration in file.enumType { symbols[prefix + enumeration.name] = file.name }
            for service in file.service {
                let name = prefix + service.name
                symbols[name] = file.name
                services.append(name)
                for method in service.method { symbols[name + "." + method.name] = file.name }
            }
        }
        self.files = files
        self.imports = imports
        self.symbols = symbols
        self.messages = messages
        self.services = services.sorted()
    }

    /// The answer to `question`: the files asked for, the services, or an error naming what was
    /// not found.
    func answer(_ question: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
        var response = Grpc_Reflection_V1_ServerReflectionResponse()
        response.validHost = question.host
        response.originalRequest = question
        switch question.messageRequest {
        case .fileByFilename(let name):
            response.messageResponse = files[name] != nil
                ? .fileDescriptorResponse(fileWithImports(name))
                : Self.error(.notFound, "no file '\(name)' on this server")
        case .fileContainingSymbol(let symbol):
            let name = symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol
            response.messageResponse = symbols[name].map { .fileDescriptorResponse(fileWithImports($0)) }
                ?? Self.error(.notFound, "no symbol '\(symbol)' on this server")
        case .fileContainingExtension(let extensionRequest):
            response.messageResponse = Self.error(
                .notFound, "no extension \(extensionRequest.extensionNumber) of '\(extensionRequest.containingType)': this server's files declare no extensions")
        case .allExtensionNumbersOfType(let type):
            let name = type.hasPrefix(".") ? String(type.dropFirst()) : type
            if messages.contains(name) {
                var numbers = Grpc_Reflection_V1_ExtensionNumberResponse()
                numbers.baseTypeName = name
                response.messageResponse = .allExtensionNumbersResponse(numbers)
            } else {
                response.messageResponse = Self.error(.notFound, "no message type '\(type)' on this server")
            }
        case .listServices:
            var list = Grpc_Reflection_V1_ListServiceResponse()
            list.service = services.map { name in
                var service = Grpc_Reflection_V1_ServiceResponse()
                service.name = name
                return service
            }
            response.messageResponse = .listServicesResponse(list)
        case nil:
            response.messageResponse = Self.error(.invalidArgument, "the request asks nothing (set one of message_request's fields)")
        }
        return response
    }

    private static func error(_ code: RPCError.Code, _ message: String) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse {
        var error = Grpc_Reflection_V1_ErrorResponse()
        error.errorCode = Int32(code.rawValue)
        error.errorMessage = message
        return .errorResponse(error)
    }

    /// File `name` first, then every file it imports, directly or not, each once: a client can
    /// build the file's descriptors from this one answer.
    private func fileWithImports(_ name: String) -> Grpc_Reflection_V1_FileDescriptorResponse {
        var order: [String] = []
        var seen: Set<String> = []
        var pending = [name]
        while let next = pending.popLast() {
            guard seen.insert(next).inserted, files[next] != nil else { continue }
            order.append(next)
            pending.append(contentsOf: (imports[next] ?? []).reversed())
        }
        var response = Grpc_Reflection_V1_FileDescriptorResponse()
        response.fileDescriptorProto = order.compactMap { files[$0] }
        return response
    }
}
