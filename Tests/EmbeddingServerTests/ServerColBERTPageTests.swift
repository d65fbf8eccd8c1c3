import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import LateInteraction
import Testing
import WireProtocol

extension ServerTests {
@Suite("Page inputs with a ColBERT-style model")
struct ServerColBERTPageTests {
    static func pageSource(pdf: [UInt8], page: UInt32) -> Multiembed_V1_MultiVectorSource {
        var source = Multiembed_V1_MultiVectorSource()
        source.input = ServerPageTests.pageInput(pdf: pdf, page: page)
        return source
    }

    @Test("a PDF upserts through the model's document path; Search shows the matched words; Embed gives a page's vectors")
    func colbertPages() async throws {
        let (folder, bundle, colbert) = try ServerColBERTTests.fixtureModel()
        defer { withExtendedLifetime(folder) {} }
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory, models: [bundle]) { connection in
            _ = try await connection.ok(CollectionRequest.create("pages"))
            let upserted = try await connection.ok(CollectionRequest.upsert(
                "pages", [("report", Self.pageSource(pdf: ServerPageTests.pdf, page: 0)), ("note", textSource("minutes of the board"))]))
            #expect(upserted.upsert.upserted == 3)
            #expect(upserted.upsert.usage.tokens > 0)

            let got = try await connection.ok(CollectionRequest.get("pages", ["report#1", "report#2"], includeVectors: true)).get.documents
            let text = got[0].pageText.text
            #expect(got[0].pageText.words.count == 7)
            // The page's words as one document of the model (they fit one window).
            let reference = try colbert.encodeDocuments([text])[0]
            #expect(Int(got[0].content.vectors.count) == reference.count)
            #expect(Closeness.maxAbsDifference(floats(got[0].content.vectors.data), reference.flatMap { $0 }) < 1e-5)
            // An empty page is its [CLS], [D] and [SEP].
            #expect(got[1].hasPageText && got[1].pageText.words.isEmpty && got[1].content.vectors.count == 3)

            let query = "revenue by region"
            let found = try await connection.ok(CollectionRequest.search("pages", textSource(query), topK: 3) { $0.includeMatches = true })
            let hit = try #require(found.search.hits.first { $0.id == "report#1" })
            #expect(!hit.matches.isEmpty)
            #expect(hit.matches.allSatisfy { got[0].pageText.words[Int($0.wordIndex)] == $0.word })
            // Only the query's own tokens are matched: not [CLS], [Q], [SEP] or the [MASK]s.
            let words = colbert.tokenizer.tokenIDs(of: query).count
            #expect(hit.matches.flatMap(\.queryVectors).allSatisfy { $0 >= 2 && $0 < 2 + words })

            let embedded = try await connection.ok(ServerPageTests.embed([ServerPageTests.pageInput(pdf: ServerPageTests.pdf, page: 1)], output: .multiVector))
            let embedding = try #require(embedded.embed.embeddings.first)
            #expect(embedding.pageText.text == text)
            #expect(floats(embedding.multiVector.data) == floats(got[0].content.vectors.data))
            #expect(embedding.multiVector.dimension == UInt32(ColBERTFixture.headWidth))
            #expect(!embedding.hasPooled)

            let pooled = try await connection.answer(ServerPageTests.embed([ServerPageTests.pageInput(pdf: ServerPageTests.pdf, page: 1)], output: .both))
            #expect(pooled.status.code == .invalidArgument && pooled.status.message.contains("OUTPUT_MULTI_VECTOR"), "\(pooled.status.message)")
            let mixed = try await connection.answer(embedRequest(id: 9, texts: ["hi"]) {
                $0.inputs.append(ServerPageTests.pageInput(pdf: ServerPageTests.pdf, page: 1))
                $0.output = .multiVector
            })
            // Texts and pages together: both documents, through the same batcher.
            #expect(mixed.status.code == .ok, "\(mixed.status.message)")
            #expect(floats(mixed.embed.embeddings[0].multiVector.data) == (try colbert.encodeDocuments(["hi"])[0]).flatMap { $0 })
            #expect(floats(mixed.embed.embeddings[1].multiVector.data) == floats(got[0].content.vectors.data))
            let bad = try await connection.answer(ServerPageTests.embed(
                [ServerPageTests.pageInput(image: Data("not an image".utf8)), ServerPageTests.pageInput(pdf: ServerPageTests.pdf, page: 1)],
                output: .multiVector))
            #expect(bad.status.inputErrors.map(\.index) == [0])
            #expect(bad.embed.embeddings[1].pageText.words.count == 7)
        }
    }
}
}
