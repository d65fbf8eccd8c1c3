import EmbeddingClient
import Foundation
import GRPCCore
import GRPCDoor
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import Testing
import WireProtocol

private let embedding = "multiembed.v1.EmbeddingService"
private let collections = "multiembed.v1.CollectionService"

@Suite("gRPC door: the framed protocol's methods through grpc-swift, on the same core")
struct GRPCDoorTests {
    @Test("Embed through gRPC returns the framed protocol's vectors bit for bit")
    func embedMatchesFramed() async throws {
        let texts = ["a first sentence", "the second one, a little longer than the first", "3"]
        try await withGRPCServer { client, ports in
            let outcome = try await call(client, embedding, "Embed", embedRequest(texts), as: Multiembed_V1_EmbedResponse.self)
            let answer = try #require(outcome.message, "\(String(describing: outcome.error))")
            #expect(outcome.status == nil)
            let framed = EmbeddingClient(host: "127.0.0.1", port: ports.framed)
            let expected = try await framed.embed(texts: texts).pooledVectors
            try await framed.shutdown()
            #expect(answer.embeddings.map { floats($0.pooled.data) } == expected.map { $0 ?? [] })
            #expect(answer.embeddings.count == 3)
        }
    }

    @Test("a bad input fails alone: OK, with its error in multiembed-status-bin; a bad request is the RPC's status")
    func statuses() async throws {
        try await withGRPCServer(configure: { $0.limits.maxTextBytes = 16 }) { client, _ in
            let partial = try await call(
                client, embedding, "Embed", embedRequest(["short", String(repeating: "x", count: 64)]),
                as: Multiembed_V1_EmbedResponse.self)
            #expect(partial.message?.embeddings.count == 2)
            let status = try #require(partial.status)
            #expect(status.inputErrors.map(\.index) == [1])
            #expect(status.inputErrors.first?.code == .invalidArgument)
            let unknown = try await call(
                client, embedding, "Embed", embedRequest(["x"]) { $0.model = "no-such-model" }, as: Multiembed_V1_EmbedResponse.self)
            #expect(unknown.error?.code == .notFound)
            #expect(unknown.error?.message.contains("no-such-model") == true)
            let empty = try await call(client, embedding, "Embed", embedRequest([]), as: Multiembed_V1_EmbedResponse.self)
            #expect(empty.error?.code == .invalidArgument)
            let allOrNothing = try await call(
                client, embedding, "Embed",
                embedRequest(["short", String(repeating: "y", count: 64)]) { $0.allOrNothing = true },
                as: Multiembed_V1_EmbedResponse.self)
            #expect(allOrNothing.error?.code == .invalidArgument)
            #expect(allOrNothing.status?.inputErrors.map(\.index) == [1])
        }
    }

    @Test("with API keys, the key comes from authorization: Bearer; without it, UNAUTHENTICATED")
    func authentication() async throws {
        try await withGRPCServer(configure: { $0.apiKeys = ["secret"] }) { client, _ in
            let none = try await call(client, embedding, "Info", Multiembed_V1_InfoRequest(), as: Multiembed_V1_InfoResponse.self)
            #expect(none.error?.code == .unauthenticated)
            let wrong = try await call(
                client, embedding, "Embed", embedRequest(["x"]), as: Multiembed_V1_EmbedResponse.self,
                metadata: ["authorization": "Bearer nope"])
            #expect(wrong.error?.code == .unauthenticated)
            let good = try await call(
                client, embedding, "Embed", embedRequest(["x"]), as: Multiembed_V1_EmbedResponse.self,
                metadata: ["authorization": "Bearer secret"])
            #expect(good.message?.embeddings.count == 1)
            // Probes carry no key: the standard health check answers them anyway.
            var check = Grpc_Health_V1_HealthCheckRequest()
            check.service = ""
            let health = try await call(client, "grpc.health.v1.Health", "Check", check, as: Grpc_Health_V1_HealthCheckResponse.self)
            #expect(health.message?.status == .serving)
        }
    }

    @Test("Info reports the same limits as the framed protocol; collections answer through gRPC")
    func infoAndCollections() async throws {
        try await withGRPCServer(configure: { $0.limits.maxPatches = 1234 }) { client, _ in
            let info = try #require(try await call(
                client, embedding, "Info", Multiembed_V1_InfoRequest(), as: Multiembed_V1_InfoResponse.self).message)
            #expect(info.limits.maxPatches == 1234)
            #expect(!info.models.isEmpty)
            // No data directory: collections answer FAILED_PRECONDITION, as through the framed door.
            let list = try await call(
                client, collections, "ListCollections", Multiembed_V1_ListCollectionsRequest(),
                as: Multiembed_V1_ListCollectionsResponse.self)
            #expect(list.error?.code == .failedPrecondition)
        }
    }

    @Test("EmbedStream answers every request in order, each equal to its unary answer")
    func embedStream() async throws {
        try await withGRPCServer(configure: { $0.limits.maxInFlightPerConnection = 4 }) { client, _ in
            let requests = (0..<24).map { embedRequest(["stream text number \($0)", "and its neighbour \($0 * 7)"]) }
            let answers = try await client.bidirectionalStreaming(
                request: StreamingClientRequest(of: Multiembed_V1_EmbedRequest.self) { writer in
                    try await writer.write(contentsOf: requests)
                },
                descriptor: MethodDescriptor(fullyQualifiedService: embedding, method: "EmbedStream"),
                serializer: ProtobufSerializer<Multiembed_V1_EmbedRequest>(),
                deserializer: ProtobufDeserializer<Multiembed_V1_EmbedResponse>(), options: .defaults
            ) { response in
                var collected: [Multiembed_V1_EmbedResponse] = []
                for try await message in response.messages { collected.append(message) }
                return collected
            }
            #expect(answers.count == requests.count)
            for index in [0, 11, 23] {
                let unary = try #require(try await call(
                    client, embedding, "Embed", requests[index], as: Multiembed_V1_EmbedResponse.self).message)
                #expect(answers[index].embeddings.map(\.pooled.data) == unary.embeddings.map(\.pooled.data))
            }
        }
    }

    @Test("grpc-timeout is the request's deadline: work it cannot finish in time is DEADLINE_EXCEEDED")
    func deadline() async throws {
        try await withGRPCServer(configure: { $0.batching.maxBatchInputs = 4 }) { client, _ in
            let long = embedRequest((0..<256).map { "a long queue of texts to keep the model busy for a while, number \($0)" })
            async let busy = call(client, embedding, "Embed", long, as: Multiembed_V1_EmbedResponse.self)
            try await Task.sleep(for: .milliseconds(20))
            let late = try await call(
                client, embedding, "Embed", embedRequest(["too late"]), as: Multiembed_V1_EmbedResponse.self,
                timeout: .milliseconds(5))
            #expect(late.error?.code == .deadlineExceeded)
            #expect(try await busy.message?.embeddings.count == 256)
        }
    }

    @Test("a message over max_frame_bytes is refused RESOURCE_EXHAUSTED and the server goes on")
    func oversizedMessage() async throws {
        try await withGRPCServer(configure: { $0.limits.maxFrameBytes = 4096 }) { client, _ in
            let big = try await call(
                client, embedding, "Embed", embedRequest([String(repeating: "z", count: 6000)]), as: Multiembed_V1_EmbedResponse.self)
            #expect(big.error?.code == .resourceExhausted, "\(String(describing: big.error))")
            #expect(big.error?.message.contains("max_frame_bytes (4096)") == true)
            // Past twice the limit the transport itself resets the stream: refused all the same.
            let huge = try await call(
                client, embedding, "Embed", embedRequest([String(repeating: "z", count: 20000)]), as: Multiembed_V1_EmbedResponse.self)
            #expect(huge.message == nil && huge.error != nil)
            let small = try await call(client, embedding, "Embed", embedRequest(["fine"]), as: Multiembed_V1_EmbedResponse.self)
            #expect(small.message?.embeddings.count == 1)
        }
    }

    @Test("the standard health service: SERVING for the server and its services, NOT_FOUND for others")
    func health() async throws {
        try await withGRPCServer { client, _ in
            for service in ["", embedding, collections] {
                var check = Grpc_Health_V1_HealthCheckRequest()
                check.service = service
                let answer = try await call(client, "grpc.health.v1.Health", "Check", check, as: Grpc_Health_V1_HealthCheckResponse.self)
                #expect(answer.message?.status == .serving, "\(service)")
            }
            var unknown = Grpc_Health_V1_HealthCheckRequest()
            unknown.service = "no.such.Service"
            let answer = try await call(client, "grpc.health.v1.Health", "Check", unknown, as: Grpc_Health_V1_HealthCheckResponse.self)
            #expect(answer.error?.code == .notFound)
        }
    }
}
