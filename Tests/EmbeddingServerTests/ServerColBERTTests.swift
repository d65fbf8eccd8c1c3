import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import LateInteraction
import Testing
import WireProtocol

extension ServerTests {
@Suite("Collections with a ColBERT-style model")
struct ServerColBERTTests {
    /// The random-weight ColBERT-style model: its folder (deleted when released), the bundle to
    /// serve, and its encoder, the reference for what the server returns.
    static func fixtureModel() throws -> (TemporaryDirectory, ModelBundle, ColBERTTextEncoder) {
        let folder = try ColBERTFixture.make()
        let bundle = try ModelBundle.load(directory: folder.url)
        return (folder, bundle, try #require(bundle.lateInteraction))
    }

    @Test("documents and queries take the model's markers; stored vectors and scores equal its own encodings and MaxSim")
    func colbertConventions() async throws {
        let (folder, bundle, colbert) = try Self.fixtureModel()
        defer { withExtendedLifetime(folder) {} }
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let texts = ["the cat sat on the mat.", "heavy rain is expected tomorrow, at times!"]
        try await withCollectionServer(dataDirectory: directory, models: [bundle]) { connection in
            var info = Multiembed_V1_Request()
            info.id = 1
            info.info = .init()
            let model = try #require(try await connection.ok(info).info.models.first)
            #expect(model.tokenDimension == UInt32(ColBERTFixture.headWidth))
            #expect(model.inputKinds == [.text, .page])
            // Embed takes its texts too, as documents unless prompt_name is "query".
            let embed = try await connection.ok(embedRequest(id: 2, texts: ["hi"]) { $0.output = .multiVector }).embed
            #expect(floats(embed.embeddings[0].multiVector.data) == (try colbert.encodeDocuments(["hi"])[0]).flatMap { $0 })

            let created = try await connection.ok(CollectionRequest.create("colbert")).createCollection.collection
            #expect(created.dimension == UInt32(ColBERTFixture.headWidth))
            #expect(created.model == bundle.name)
            // One document per request, so each is encoded alone, as the reference below is.
            for (index, text) in texts.enumerated() {
                let upserted = try await connection.ok(CollectionRequest.upsert("colbert", [("d\(index)", textSource(text))])).upsert
                #expect(upserted.usage.tokens > 0)
            }
            let expected = try texts.map { try MultiVector(rows: try colbert.encodeDocuments([$0])[0]) }
            let stored = try await connection.ok(CollectionRequest.get("colbert", ["d0", "d1"], includeVectors: true)).get.documents
            #expect(stored.map { floats($0.content.vectors.data) } == expected.map(\.values))
            // The skip list drops punctuation: fewer vectors than the document's tokens.
            #expect(Int(stored[1].content.vectors.count) < (try colbert.documentInput(texts[1])).ids.count)

            let query = try MultiVector(rows: try colbert.encodeQueries(["a cat on a mat"])[0])
            #expect(query.count == ColBERTFixture.queryLength)
            let scores = try MaxSim.scores(query, try EncodedCorpus(expected, dimension: ColBERTFixture.headWidth, precision: .float32).view)
            let hits = try await connection.ok(CollectionRequest.search("colbert", textSource("a cat on a mat"), topK: 2)).search.hits
            let ranking = zip(["d0", "d1"], scores).sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
            #expect(hits.map(\.id) == ranking.map(\.0))
            #expect(hits.map(\.score) == ranking.map(\.1))
            let score = try await connection.ok(CollectionRequest.score(textSource("a cat on a mat"), [textSource(texts[0])])).score
            #expect(score.scores == [scores[0]])

            // Its prompts are its two sides: a search query is a query.
            let prompt = try await connection.answer(CollectionRequest.search("colbert", textSource("cat")) { $0.promptName = "passage" })
            #expect(prompt.status.code == .notFound)
            let otherSide = try await connection.answer(CollectionRequest.search("colbert", textSource("cat")) { $0.promptName = "document" })
            #expect(otherSide.status.code == .invalidArgument)
            _ = try await connection.ok(CollectionRequest.search("colbert", textSource("cat")) { $0.promptName = "query" })
            let long = String(repeating: "word ", count: 50)
            let tooLong = try await connection.answer(CollectionRequest.upsert("colbert", [("ok", textSource("fine")), ("long", textSource(long))]) {
                $0.truncate = .error
            })
            #expect(tooLong.status.code == .invalidArgument)
            #expect(tooLong.status.inputErrors.map(\.index) == [1])
            #expect(tooLong.status.inputErrors.first?.message.contains("document 1") == true)
        }
    }

    @Test("Score against a collection embeds with the collection's model, and refuses another model")
    func scoreUsesTheCollectionsModel() async throws {
        let (folder, bundle, colbert) = try Self.fixtureModel()
        defer { withExtendedLifetime(folder) {} }
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let texts = ["the cat sat on the mat.", "heavy rain is expected tomorrow"]
        // MiniLM first: it is the server's default model, which Score must not fall back to.
        try await withCollectionServer(dataDirectory: directory, models: [miniLM, bundle]) { connection in
            _ = try await connection.ok(CollectionRequest.create("colbert") { $0.model = bundle.name })
            _ = try await connection.ok(CollectionRequest.upsert("colbert", [("d0", textSource(texts[0]))]))

            let query = try MultiVector(rows: try colbert.encodeQueries(["a cat on a mat"])[0])
            let documents = try texts.map { try MultiVector(rows: try colbert.encodeDocuments([$0])[0]) }
            let expected = try MaxSim.scores(query, try EncodedCorpus(documents, dimension: ColBERTFixture.headWidth, precision: .float32).view)
            let score = try await connection.ok(CollectionRequest.score(textSource("a cat on a mat"), [storedSource("d0"), textSource(texts[1])]) {
                $0.collection = "colbert"
            }).score
            #expect(score.scores == expected)

            let other = try #require(miniLM?.name)
            let refused = try await connection.answer(CollectionRequest.score(textSource("a cat"), [storedSource("d0")]) {
                $0.collection = "colbert"
                $0.model = other
            })
            #expect(refused.status.code == .failedPrecondition)
            #expect(refused.status.message.contains(bundle.name) && refused.status.message.contains(other), "\(refused.status.message)")
        }
    }
}
}
