import EmbeddingClient
import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import Testing

/// The client against the real server, in process, on loopback.
@Suite("End to end with the real server")
struct EndToEndTests {
    static let texts = [
        "A man is eating food.", "A man is riding a horse.", "The new movie is awesome.", "hi", "",
        "Embeddings map text and images into one vector space where similar things are close together.",
    ]

    @Test("FLOAT32 embeddings through the client equal in-process results bit for bit")
    func float32Parity() async throws {
        let embedder = try #require(miniLM?.text)
        let expected = try embedder.embed(Self.texts).map { try #require(try $0.get().pooled) }
        try await withRealServer { client in
            let result = try await client.embed(texts: Self.texts)
            #expect(result.model == "all-MiniLM-L6-v2")
            #expect(result.inputErrors.isEmpty)
            for (index, vector) in result.pooledVectors.enumerated() {
                let values = try #require(vector)
                #expect(values.map(\.bitPattern) == expected[index].map(\.bitPattern), "text \(index)")
            }
            #expect(result.usage.tokens > 0)

            // One text per call, all at once over the one connection: batched by the server
            // with each other, answered in any order, still identical.
            try await withThrowingTaskGroup(of: (Int, [Float]?).self) { group in
                for round in 0..<4 {
                    for (index, text) in Self.texts.enumerated() {
                        group.addTask {
                            _ = round
                            return (index, try await client.embed(texts: [text]).pooledVectors[0])
                        }
                    }
                }
                for try await (index, values) in group {
                    #expect(values == expected[index])
                }
            }
        }
    }

    @Test("multi-vector output matches the in-process token vectors")
    func multiVectorParity() async throws {
        let embedder = try #require(miniLM?.text)
        let expected = try #require(
            try embedder.embed(["query text"], options: TextEmbeddingOptions(output: .both)).first?.get())
        try await withRealServer { client in
            var options = EmbedOptions()
            options.output = .both
            let embedding = try await client.embed(texts: ["query text"], options: options).embeddings[0]
            #expect(embedding.pooled?.values == expected.pooled)
            #expect(embedding.multiVector?.values == expected.tokenVectors)
            #expect(try await client.embed(texts: ["query text"], options: options).multiVectors == [expected.tokenVectors])
        }
    }

    @Test("compact encodings decode close to the float32 vectors")
    func compactEncodings() async throws {
        try await withRealServer { client in
            let exact = try #require(try await client.embed(texts: ["compact"]).pooledVectors[0])
            for (encoding, tolerance) in [(VectorEncoding.float16, Float(1e-3)), (.int8, 0.01)] {
                var options = EmbedOptions()
                options.encoding = encoding
                let values = try #require(try await client.embed(texts: ["compact"], options: options).pooledVectors[0])
                #expect(Closeness.maxAbsDifference(values, exact) < tolerance, "\(encoding)")
            }
            var options = EmbedOptions()
            options.encoding = .binary
            let pooled = try #require(try await client.embed(texts: ["compact"], options: options).embeddings[0].pooled)
            #expect(pooled.bits == exact.map { $0 > 0 })
        }
    }

    @Test("info, health, and server statuses as typed errors")
    func infoHealthAndErrors() async throws {
        try await withRealServer(configure: { $0.limits.maxInputsPerRequest = 4 }) { client in
            let info = try await client.info()
            #expect(info.models.first?.name == "all-MiniLM-L6-v2")
            #expect(info.models.first?.dimension == 384)
            #expect(info.models.first?.inputKinds == [.text, .page])
            #expect(info.limits.maxInputsPerRequest == 4)
            #expect(try await client.health().status == .serving)

            var options = EmbedOptions()
            options.model = "no-such-model"
            let unknown = await clientError { try await client.embed(texts: ["x"], options: options) }
            #expect(unknown?.code == .notFound)
            #expect(unknown?.kind == .status)

            let tooMany = await clientError { try await client.embed(texts: ["a", "b", "c", "d", "e"]) }
            #expect(tooMany?.code == .invalidArgument)

            options = EmbedOptions()
            options.prompt = .named("no-such-prompt")
            #expect(await clientError { try await client.embed(texts: ["x"], options: options) }?.code == .notFound)
            // The connection survived every refusal.
            #expect(try await client.embed(texts: ["still here"]).embeddings.count == 1)
        }
    }

    @Test("an API key is required when the server has keys, and sent by the client")
    func apiKeys() async throws {
        try await withRealServer(configure: { $0.apiKeys = ["k1"] }) { client in
            let error = await clientError { try await client.health() }
            #expect(error?.code == .unauthenticated)
        }
        try await withRealServer(configure: { $0.apiKeys = ["k1"] }, client: { $0.apiKey = "k1" }) { client in
            let health = try await client.health()
            #expect(health.status == .serving)
        }
    }

    @Test("CLIP: texts, images and per-input errors in one call")
    func clipImages() async throws {
        let clip = try #require(tinyClip)
        let image = try #require(clip.image)
        let pngURL = try #require(
            FileManager.default.contentsOfDirectory(at: Fixtures.url("images"), includingPropertiesForKeys: nil)
                .first { $0.pathExtension == "png" })
        let png = try Data(contentsOf: pngURL)
        let expected = try #require(try image.embed([.encoded(bytes: [UInt8](png), name: "x")]).first?.get().pooled)
        try await withRealServer(models: [tinyClip]) { client in
            let result = try await client.embed([
                .text("a photo"), .image(png, name: "fixture.png"), .image(Data("not an image".utf8), name: "bad"),
            ])
            #expect(result.embeddings[1].pooled?.values == expected)
            #expect(result.inputErrors.map(\.index) == [2])
            #expect(result.embeddings[2].error?.code == .invalidArgument)
            #expect(result.usage.pixels > 0)
        }
    }
}
