import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import LateInteraction
import Testing
import WireProtocol

extension ServerTests {
@Suite("Late-interaction models through Embed and the batcher")
struct ServerLateInteractionEmbedTests {
    /// An Embed request of `texts` for `model`, asking for multi-vectors.
    static func multiVectorRequest(
        id: UInt64, model: String, texts: [String], configure: (inout Multiembed_V1_EmbedRequest) -> Void = { _ in }
    ) -> Multiembed_V1_Request {
        embedRequest(id: id, texts: texts) {
            $0.model = model
            $0.output = .multiVector
            configure(&$0)
        }
    }

    static func rows(_ wire: Multiembed_V1_MultiVector) -> [[Float]] {
        let values = floats(wire.data)
        let dimension = Int(wire.dimension)
        return (0 ..< Int(wire.count)).map { Array(values[$0 * dimension ..< ($0 + 1) * dimension]) }
    }

    @Test("Embed gives a ColBERT model's document and query vectors, in one batch, equal to the encoder's for each text alone")
    func colbertEmbed() async throws {
        let (folder, bundle, colbert) = try ServerColBERTTests.fixtureModel()
        defer { withExtendedLifetime(folder) {} }
        let texts = ["the cat sat on the mat.", "heavy rain is expected tomorrow, at times!", "hi"]
        try await withServer(models: [bundle]) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var info = Multiembed_V1_Request()
            info.id = 1
            info.info = .init()
            let model = try #require(try await connection.answer(info).info.models.first)
            #expect(model.prompts.keys.sorted() == ["document", "query"])
            #expect(model.defaultPromptName == "document")

            let documents = try await connection.ok(Self.multiVectorRequest(id: 2, model: bundle.name, texts: texts)).embed
            let expectedDocuments = try texts.map { try colbert.encodeDocuments([$0])[0] }
            #expect(documents.embeddings.map { Self.rows($0.multiVector) } == expectedDocuments)
            #expect(documents.usage.tokens > 0)

            let queries = try await connection.ok(Self.multiVectorRequest(id: 3, model: bundle.name, texts: texts) {
                $0.promptName = "query"
            }).embed
            let expectedQueries = try texts.map { try colbert.encodeQueries([$0])[0] }
            #expect(queries.embeddings.map { Self.rows($0.multiVector) } == expectedQueries)
            #expect(queries.embeddings.allSatisfy { $0.multiVector.count == UInt32(ColBERTFixture.queryLength) })

            let pooled = try await connection.answer(embedRequest(id: 4, texts: ["hi"]) { $0.model = bundle.name })
            #expect(pooled.status.code == .invalidArgument)
            #expect(pooled.status.message.contains("OUTPUT_MULTI_VECTOR"), "\(pooled.status.message)")
            let unknown = try await connection.answer(Self.multiVectorRequest(id: 5, model: bundle.name, texts: ["hi"]) {
                $0.promptName = "passage"
            })
            #expect(unknown.status.code == .notFound)
            let long = String(repeating: "word ", count: 50)
            let strict = try await connection.answer(Self.multiVectorRequest(id: 6, model: bundle.name, texts: ["fine", long]) {
                $0.truncate = .error
            })
            #expect(strict.status.code == .ok)
            #expect(strict.status.inputErrors.map(\.index) == [1])
            #expect(strict.status.inputErrors.first?.message.hasPrefix("input 1:") == true, "\(strict.status.inputErrors)")
        }
    }

    @Test("a ColBERT model's queue limit refuses a request that would pass it with RESOURCE_EXHAUSTED")
    func colbertQueueFull() async throws {
        let (folder, bundle, _) = try ServerColBERTTests.fixtureModel()
        defer { withExtendedLifetime(folder) {} }
        try await withServer(models: [bundle], configure: { $0.limits.maxQueuedInputsPerModel = 4 }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let tooBig = try await connection.answer(
                Self.multiVectorRequest(id: 1, model: bundle.name, texts: Array(repeating: "a text", count: 5)))
            #expect(tooBig.status.code == .resourceExhausted)
            #expect(tooBig.status.message.contains("queue limit of 4"), "\(tooBig.status.message)")
            _ = try await connection.ok(Self.multiVectorRequest(id: 3, model: bundle.name, texts: Array(repeating: "a text", count: 4)))
        }
    }

    @Test("a ColBERT request whose deadline passes in the queue is dropped with DEADLINE_EXCEEDED")
    func colbertDeadline() async throws {
        let (folder, bundle, _) = try ServerColBERTTests.fixtureModel()
        defer { withExtendedLifetime(folder) {} }
        try await withServer(models: [bundle], configure: { $0.batching.maxBatchInputs = 4 }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let long = (0 ..< 1024).map { "a long queue of documents to keep the model busy for a while, number \($0)" }
            try await connection.send(Self.multiVectorRequest(id: 1, model: bundle.name, texts: long))
            // Many inputs, so that taking turns with the long request it cannot finish within
            // its millisecond even on the fastest machine.
            var late = Self.multiVectorRequest(id: 2, model: bundle.name, texts: (0 ..< 64).map { "too late \($0)" })
            late.deadlineMs = 1
            try await Task.sleep(for: .milliseconds(5))
            try await connection.send(late)
            var byID: [UInt64: Multiembed_V1_Response] = [:]
            for _ in 0 ..< 2 {
                let response = try #require(try await connection.receive())
                byID[response.id] = response
            }
            #expect(byID[2]?.status.code == .deadlineExceeded)
            #expect(byID[2]?.body == nil)
            #expect(byID[1]?.status.code == .ok)
        }
    }
}
}
