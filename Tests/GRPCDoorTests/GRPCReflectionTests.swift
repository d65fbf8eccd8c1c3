import Foundation
import GRPCCore
@testable import GRPCDoor
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf
import Testing

@Suite("gRPC door: the standard server reflection service (grpcurl list / describe)")
struct GRPCReflectionTests {
    /// Asks `questions` on one ServerReflectionInfo stream of `package` and returns the answers.
    private func ask(
        _ client: GRPCClient<HTTP2ClientTransport.Posix>, _ questions: [Grpc_Reflection_V1_ServerReflectionRequest],
        package: String = "grpc.reflection.v1"
    ) async throws -> [Grpc_Reflection_V1_ServerReflectionResponse] {
        try await client.bidirectionalStreaming(
            request: StreamingClientRequest(of: Grpc_Reflection_V1_ServerReflectionRequest.self) { writer in
                try await writer.write(contentsOf: questions)
            },
            descriptor: MethodDescriptor(fullyQualifiedService: package + ".ServerReflection", method: "ServerReflectionInfo"),
            serializer: ProtobufSerializer<Grpc_Reflection_V1_ServerReflectionRequest>(),
            deserializer: ProtobufDeserializer<Grpc_Reflection_V1_ServerReflectionResponse>(), options: .defaults
        ) { response in
            var answers: [Grpc_Reflection_V1_ServerReflectionResponse] = []
            for try await message in response.messages { answers.append(message) }
            return answers
        }
    }

    private func question(_ request: Grpc_Reflection_V1_ServerReflectionRequest.OneOf_MessageRequest?) -> Grpc_Reflection_V1_ServerReflectionRequest {
        var question = Grpc_Reflection_V1_ServerReflectionRequest()
        question.host = "localhost"
        question.messageRequest = request
        return question
    }

    private func files(_ answer: Grpc_Reflection_V1_ServerReflectionResponse) throws -> [Google_Protobuf_FileDescriptorProto] {
        guard case .fileDescriptorResponse(let response) = answer.messageResponse else {
            Issue.record("not a file answer: \(answer.messageResponse.map { "\($0)" } ?? "nothing")")
            return []
        }
        return try response.fileDescriptorProto.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0) }
    }

    @Test("both versions list the services the door serves, without an API key")
    func listServices() async throws {
        let served = [
            "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "multiembed.v1.CollectionService", "multiembed.v1.EmbeddingService",
        ]
        try await withGRPCServer(configure: { $0.apiKeys = ["a key the reflection client does not send"] }) { client, _ in
            for package in ["grpc.reflection.v1", "grpc.reflection.v1alpha"] {
                let answers = try await ask(client, [question(.listServices(""))], package: package)
                #expect(answers.count == 1)
                guard case .listServicesResponse(let list) = answers.first?.messageResponse else {
                    Issue.record("\(package): not a service list: \(answers)")
                    continue
                }
                #expect(list.service.map(\.name) == served, "\(package)")
                #expect(answers.first?.validHost == "localhost")
            }
        }
    }

    @Test("a service's file comes with every file it imports, and declares its methods and their types")
    func describeService() async throws {
        try await withGRPCServer { client, _ in
            let answers = try await ask(client, [
                question(.fileContainingSymbol("multiembed.v1.EmbeddingService")),
                question(.fileContainingSymbol(".multiembed.v1.EmbeddingService.EmbedStream")),
            ])
            #expect(answers.count == 2)
            for answer in answers {
                let files = try files(answer)
                let first = try #require(files.first)
                #expect(first.name == "multiembed/v1/service.proto")
                let service = try #require(first.service.first { $0.name == "EmbeddingService" })
                #expect(Set(service.method.map(\.name)) == ["Embed", "EmbedStream", "Info", "Health"])
                let stream = try #require(service.method.first { $0.name == "EmbedStream" })
                #expect(stream.clientStreaming && stream.serverStreaming)
                // Closed under imports: a client can build every type from this one answer.
                let names = Set(files.map(\.name))
                #expect(names.count == files.count, "a file sent twice")
                for file in files {
                    for dependency in file.dependency { #expect(names.contains(dependency), "\(file.name) imports \(dependency), not sent") }
                }
                // Every method's input and output type is declared in one of the files.
                var declared: Set<String> = []
                for file in files { for message in file.messageType { declared.insert(".\(file.package).\(message.name)") } }
                for method in service.method {
                    #expect(declared.contains(method.inputType), "\(method.name): \(method.inputType)")
                    #expect(declared.contains(method.outputType), "\(method.name): \(method.outputType)")
                }
            }
        }
    }

    @Test("every unary method reflection describes is one the door answers (never UNIMPLEMENTED)")
    func describedMethodsAreServed() async throws {
        try await withGRPCServer { client, _ in
            let answers = try await ask(client, [question(.fileByFilename("multiembed/v1/service.proto"))])
            let answer = try #require(answers.first)
            let file = try #require(try files(answer).first)
            #expect(file.service.count == 2)
            for service in file.service {
                for method in service.method where !method.clientStreaming && !method.serverStreaming {
                    // An empty message is every request type's default value.
                    let outcome = try await call(
                        client, "\(file.package).\(service.name)", method.name, Google_Protobuf_Empty(), as: Google_Protobuf_Empty.self)
                    #expect(outcome.error?.code != .unimplemented, "\(service.name).\(method.name): \(String(describing: outcome.error))")
                }
            }
            var unknown = Grpc_Reflection_V1_ServerReflectionRequest()
            unknown.messageRequest = .listServices("")
            let outcome = try await call(client, "multiembed.v1.EmbeddingService", "NotAMethod", unknown, as: Google_Protobuf_Empty.self)
            #expect(outcome.error?.code == .unimplemented, "the check above could not fail")
        }
    }

    @Test("questions about what is not there get NOT_FOUND or INVALID_ARGUMENT naming it, in order, on one stream")
    func errors() async throws {
        var extensionRequest = Grpc_Reflection_V1_ExtensionRequest()
        extensionRequest.containingType = "multiembed.v1.EmbedRequest"
        extensionRequest.extensionNumber = 100
        let questions = [
            question(.fileContainingSymbol("multiembed.v1.NoSuchService")),
            question(.fileByFilename("multiembed/v1/missing.proto")),
            question(.fileContainingExtension(extensionRequest)),
            question(nil),
            question(.fileByFilename("grpc/health/v1/health.proto")),
            question(.allExtensionNumbersOfType("multiembed.v1.EmbedRequest")),
            question(.allExtensionNumbersOfType("multiembed.v1.Nothing")),
        ]
        try await withGRPCServer { client, _ in
            let answers = try await ask(client, questions)
            #expect(answers.count == questions.count)
            guard answers.count == questions.count else { return }
            for (answer, question) in zip(answers, questions) { #expect(answer.originalRequest == question) }
            func error(_ index: Int) -> (Int32, String)? {
                if case .errorResponse(let error) = answers[index].messageResponse { (error.errorCode, error.errorMessage) } else { nil }
            }
            #expect(error(0)?.0 == 5)
            #expect(error(0)?.1.contains("multiembed.v1.NoSuchService") == true)
            #expect(error(1)?.0 == 5)
            #expect(error(1)?.1.contains("multiembed/v1/missing.proto") == true)
            #expect(error(2)?.0 == 5)
            #expect(error(3)?.0 == 3)
            #expect(try files(answers[4]).map(\.name) == ["grpc/health/v1/health.proto"])
            guard case .allExtensionNumbersResponse(let numbers) = answers[5].messageResponse else {
                Issue.record("no extension numbers answer: \(answers[5])")
                return
            }
            #expect(numbers.baseTypeName == "multiembed.v1.EmbedRequest")
            #expect(numbers.extensionNumber.isEmpty)
            #expect(error(6)?.0 == 5)
        }
    }

    @Test("the embedded descriptor set decodes and declares every file of Protos/ the door serves")
    func embeddedCatalog() {
        let catalog = ReflectionCatalog.embedded
        #expect(catalog.services.contains("multiembed.v1.EmbeddingService"))
        for path in ["multiembed/v1/service.proto", "grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto"] {
            var question = Grpc_Reflection_V1_ServerReflectionRequest()
            question.messageRequest = .fileByFilename(path)
            guard case .fileDescriptorResponse = catalog.answer(question).messageResponse else {
                Issue.record("\(path) is not in the embedded descriptor set")
                continue
            }
        }
    }
}
