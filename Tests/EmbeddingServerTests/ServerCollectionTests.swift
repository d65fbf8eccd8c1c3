import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import LateInteraction
import Testing
import WireProtocol

extension ServerTests {
@Suite("Collections over the wire")
struct ServerCollectionTests {
    @Test("create, list and drop: defaults from the model, ALREADY_EXISTS, NOT_FOUND after a drop")
    func createListDrop() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory, models: [miniLM, tinyClip]) { connection in
            let created = try await connection.ok(CollectionRequest.create("pages") { $0.model = "tiny-clip" })
            let info = created.createCollection.collection
            #expect(info.name == "pages")
            #expect(info.model == "tiny-clip")
            #expect(info.dimension > 0)
            #expect(info.precision == .float32)
            #expect(info.poolFactor == 1)
            #expect(info.maxVectors == 0)
            #expect(info.documentCount == 0)

            let text = try await connection.ok(CollectionRequest.create("passages"))
            #expect(text.createCollection.collection.model == "all-MiniLM-L6-v2")
            #expect(text.createCollection.collection.dimension == 384)
            let raw = try await connection.ok(CollectionRequest.create("raw") {
                $0.vectorsOnly = true
                $0.dimension = 8
                $0.precision = .float16
                $0.poolFactor = 2
                $0.maxVectors = 3
            })
            #expect(raw.createCollection.collection.model == "")
            #expect(raw.createCollection.collection.precision == .float16)
            #expect(raw.createCollection.collection.poolFactor == 2)
            #expect(raw.createCollection.collection.maxVectors == 3)

            let again = try await connection.answer(CollectionRequest.create("pages") { $0.model = "tiny-clip" })
            #expect(again.status.code == .alreadyExists)
            #expect(again.status.message.contains("pages"))

            let listed = try await connection.ok(CollectionRequest.list()).listCollections.collections
            #expect(listed.map(\.name) == ["pages", "passages", "raw"])
            #expect(listed[2].dimension == 8)

            _ = try await connection.ok(CollectionRequest.drop("pages"))
            #expect(try await connection.ok(CollectionRequest.list()).listCollections.collections.map(\.name) == ["passages", "raw"])
            #expect(try await connection.answer(CollectionRequest.drop("pages")).status.code == .notFound)
            #expect(try await connection.answer(CollectionRequest.get("pages", ["a"])).status.code == .notFound)
        }
    }

    @Test("upsert vectors, get them back normalised, search and score equal MaxSim over the same vectors exactly")
    func vectorsRoundTrip() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let dimension = 16
        let documents = (0..<12).map { index in (id: "doc-\(index)", rows: randomRows(3 + index % 5, dimension, seed: UInt64(index + 1))) }
        let queryRows = randomRows(4, dimension, seed: 99)
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.vectorsOnly("raw", dimension: dimension))
            let upserted = try await connection.ok(CollectionRequest.upsert(
                "raw", documents.map { ($0.id, vectorSource($0.rows)) }, metadata: ["source": "test"]))
            #expect(upserted.upsert.upserted == 12)
            #expect(upserted.upsert.usage.tokens == 0)

            // Get: in the order asked, missing ids left out, vectors only when asked.
            let bare = try await connection.ok(CollectionRequest.get("raw", ["doc-3", "nope", "doc-1"])).get.documents
            #expect(bare.map(\.id) == ["doc-3", "doc-1"])
            #expect(bare.allSatisfy { !$0.hasContent && $0.metadata == ["source": "test"] })
            let full = try await connection.ok(CollectionRequest.get("raw", ["doc-3"], includeVectors: true)).get.documents
            let stored = try #require(full.first).content.vectors
            let expected = try normalised(documents[3].rows)
            #expect(stored.count == UInt32(expected.count))
            #expect(stored.dimension == UInt32(dimension))
            #expect(floats(stored.data) == expected.values)

            // Search = MaxSim over the normalised vectors, best first, ties by id.
            let corpus = try EncodedCorpus(documents.map { try normalised($0.rows) }, dimension: dimension, precision: .float32)
            let query = try normalised(queryRows)
            let scores = try MaxSim.scores(query, corpus.view)
            let ranking = zip(documents.map(\.id), scores).sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
            let search = try await connection.ok(CollectionRequest.search("raw", vectorSource(queryRows), topK: 5)).search
            #expect(search.hits.map(\.id) == ranking.prefix(5).map(\.0))
            #expect(search.hits.map(\.score) == ranking.prefix(5).map(\.1))
            #expect(search.hits.allSatisfy { $0.metadata == ["source": "test"] })

            // A filter restricts the candidates.
            let filtered = try await connection.ok(CollectionRequest.search("raw", vectorSource(queryRows), topK: 10) {
                $0.filterIds = ["doc-0", "doc-7", "unknown"]
            }).search
            #expect(Set(filtered.hits.map(\.id)) == ["doc-0", "doc-7"])

            // Score = MaxSim too, in request order.
            let score = try await connection.ok(CollectionRequest.score(vectorSource(queryRows), documents.map { vectorSource($0.rows) })).score
            #expect(score.scores == scores)

            // Delete counts the ids that existed; the rest stay.
            let deleted = try await connection.ok(CollectionRequest.delete("raw", ["doc-0", "doc-1", "nope"])).delete
            #expect(deleted.deleted == 2)
            #expect(try await connection.ok(CollectionRequest.get("raw", ["doc-0", "doc-2"])).get.documents.map(\.id) == ["doc-2"])
            let listed = try await connection.ok(CollectionRequest.list()).listCollections.collections
            #expect(listed.first?.documentCount == 10)

            // An upsert of an existing id replaces it.
            _ = try await connection.ok(CollectionRequest.upsert("raw", [("doc-2", vectorSource(documents[5].rows))]))
            let replaced = try await connection.ok(CollectionRequest.get("raw", ["doc-2"], includeVectors: true)).get.documents
            #expect(floats(try #require(replaced.first).content.vectors.data) == (try normalised(documents[5].rows)).values)
        }
    }

    @Test("equal scores are ordered by id, whatever the insertion order, also at the top_k cut")
    func tiesByID() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let rows = randomRows(2, 8, seed: 5)
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.vectorsOnly("ties", dimension: 8))
            for id in ["e", "c", "a", "d", "b"] {
                _ = try await connection.ok(CollectionRequest.upsert("ties", [(id, vectorSource(rows))]))
            }
            let all = try await connection.ok(CollectionRequest.search("ties", vectorSource(rows), topK: 5)).search.hits
            #expect(all.map(\.id) == ["a", "b", "c", "d", "e"])
            let cut = try await connection.ok(CollectionRequest.search("ties", vectorSource(rows), topK: 2)).search.hits
            #expect(cut.map(\.id) == ["a", "b"])
        }
    }

    @Test("text documents hold exactly Embed's multi-vectors; a text query finds its own document")
    func textDocuments() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let embedder = try #require(miniLM?.text)
        let texts = ["A man is eating food.", "A man is riding a horse.", "The new movie is awesome."]
        // MiniLM defines no "document" prompt: the convention is then no prompt at all.
        let expected = try embedder.embed(texts, options: TextEmbeddingOptions(instruction: "", output: .multiVector)).map { try $0.get() }
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.create("passages"))
            let upserted = try await connection.ok(CollectionRequest.upsert(
                "passages", texts.enumerated().map { ("t\($0.offset)", textSource($0.element)) })).upsert
            #expect(upserted.usage.tokens == UInt64(expected.reduce(0) { $0 + $1.tokenCount }))
            let stored = try await connection.ok(CollectionRequest.get("passages", ["t1"], includeVectors: true)).get.documents
            #expect(floats(try #require(stored.first).content.vectors.data) == (try #require(expected[1].tokenVectors)).flatMap { $0 })

            let search = try await connection.ok(CollectionRequest.search("passages", textSource("riding a horse"), topK: 3)).search
            #expect(search.hits.first?.id == "t1")
            #expect(search.usage.tokens > 0)
            // The query's vectors scored by MaxSim against the stored documents.
            let query = try MultiVector(rows: try #require(try embedder.embed(["riding a horse"], options: TextEmbeddingOptions(instruction: "", output: .multiVector))[0].get().tokenVectors))
            let corpus = try EncodedCorpus(expected.map { try MultiVector(rows: $0.tokenVectors!) }, dimension: 384, precision: .float32)
            let scores = try MaxSim.scores(query, corpus.view)
            #expect(search.hits.first?.score == scores[1])
        }
    }

    @Test("image documents (tiny-clip) hold Embed's patch vectors; score takes a text query against images")
    func imageDocuments() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let image = try Data(contentsOf: Fixtures.url("images/document-page.png"))
        try await withCollectionServer(dataDirectory: directory, models: [tinyClip]) { connection in
            let embedded = try await connection.ok({
                var request = Multiembed_V1_Request()
                request.id = 1
                request.embed.inputs = [{ var input = Multiembed_V1_Input(); input.image.data = image; return input }()]
                request.embed.output = .multiVector
                return request
            }()).embed.embeddings[0].multiVector

            _ = try await connection.ok(CollectionRequest.create("pages"))
            var source = Multiembed_V1_MultiVectorSource()
            source.input.image.data = image
            let upserted = try await connection.ok(CollectionRequest.upsert("pages", [("page-1", source)])).upsert
            #expect(upserted.usage.patches > 0)
            let stored = try await connection.ok(CollectionRequest.get("pages", ["page-1"], includeVectors: true)).get.documents
            #expect(try #require(stored.first).content.vectors.data == embedded.data)

            let hits = try await connection.ok(CollectionRequest.search("pages", textSource("a document page"), topK: 1)).search.hits
            #expect(hits.map(\.id) == ["page-1"])
            let score = try await connection.ok(CollectionRequest.score(textSource("a document page"), [source])).score
            #expect(score.scores == [hits[0].score])
        }
    }

    @Test("collections and their documents survive a server restart on the same data directory")
    func durableAcrossRestart() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let rows = randomRows(5, 8, seed: 11)
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.vectorsOnly("kept", dimension: 8))
            _ = try await connection.ok(CollectionRequest.create("passages"))
            _ = try await connection.ok(CollectionRequest.upsert("kept", [("a", vectorSource(rows)), ("b", vectorSource(rows))], metadata: ["page": "3"]))
            _ = try await connection.ok(CollectionRequest.delete("kept", ["b"]))
        }
        try await withCollectionServer(dataDirectory: directory) { connection in
            let listed = try await connection.ok(CollectionRequest.list()).listCollections.collections
            #expect(listed.map(\.name) == ["kept", "passages"])
            #expect(listed[0].documentCount == 1)
            #expect(listed[1].model == "all-MiniLM-L6-v2")
            let documents = try await connection.ok(CollectionRequest.get("kept", ["a", "b"], includeVectors: true)).get.documents
            #expect(documents.map(\.id) == ["a"])
            #expect(documents.first?.metadata == ["page": "3"])
            #expect(floats(try #require(documents.first).content.vectors.data) == (try normalised(rows)).values)
        }
    }

    @Test("Info reports max_vectors_per_document and max_top_k")
    func limitsInInfo() async throws {
        try await withServer(configure: {
            $0.limits.maxVectorsPerDocument = 77
            $0.limits.maxTopK = 55
        }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var request = Multiembed_V1_Request()
            request.id = 1
            request.info = .init()
            let limits = try await connection.ok(request).info.limits
            #expect(limits.maxVectorsPerDocument == 77)
            #expect(limits.maxTopK == 55)
        }
    }
}
}
