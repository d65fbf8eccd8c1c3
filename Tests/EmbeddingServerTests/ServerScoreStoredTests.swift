import EmbeddingServer
import Foundation
import LateInteraction
import NIOPosix
import Synchronization
import Testing
import WireProtocol

/// A local store that counts `get` calls and notes any store call made on a NIO event loop.
final class CountingStore: VectorStore {
    struct Counts {
        var gets = 0
        var lastGet: [String] = []
        var callsOnEventLoop = 0
    }

    let base: LocalVectorStore
    let counts = Mutex(Counts())

    init(directory: String) throws { base = try LocalVectorStore(directory: directory) }

    private func note(get ids: [String]? = nil) {
        let onLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
        counts.withLock { counts in
            if onLoop { counts.callsOnEventLoop += 1 }
            if let ids {
                counts.gets += 1
                counts.lastGet = ids
            }
        }
    }

    func create(_ spec: CollectionSpec) throws(LateInteractionError) { note(); try base.create(spec) }
    func drop(_ name: String) throws(LateInteractionError) { note(); try base.drop(name) }
    func list() throws(LateInteractionError) -> [CollectionSpec] { note(); return try base.list() }
    func documentCount(in collection: String) throws(LateInteractionError) -> Int { note(); return try base.documentCount(in: collection) }
    func put(_ documents: [StoredDocument], into collection: String) throws(LateInteractionError) { note(); try base.put(documents, into: collection) }
    func delete(_ ids: [String], from collection: String) throws(LateInteractionError) -> Int { note(); return try base.delete(ids, from: collection) }
    func get(_ ids: [String], from collection: String) throws(LateInteractionError) -> [StoredDocument] {
        note(get: ids)
        return try base.get(ids, from: collection)
    }
    func scanBlocks(of collection: String, documentsPerBlock: Int, _ body: (DocumentBlock) -> Void) throws(LateInteractionError) {
        note()
        try base.scanBlocks(of: collection, documentsPerBlock: documentsPerBlock, body)
    }
    func search(
        _ query: MultiVector, in collection: String, topK: Int, filter: DocumentFilter, options: MaxSim.SearchOptions
    ) throws(LateInteractionError) -> [SearchHit] {
        note()
        return try base.search(query, in: collection, topK: topK, filter: filter, options: options)
    }
    func searchPooled(
        _ query: [Float], in collection: String, topK: Int, filter: DocumentFilter, metric: DenseMetric
    ) throws(LateInteractionError) -> [SearchHit] {
        note()
        return try base.searchPooled(query, in: collection, topK: topK, filter: filter, metric: metric)
    }
}

extension ServerTests {
@Suite("Score with stored document ids")
struct ServerScoreStoredTests {
    static let dimension = 16
    static let documents = (0..<6).map { index in (id: "d\(index)", rows: randomRows(2 + index % 4, dimension, seed: UInt64(40 + index))) }
    static let queryRows = randomRows(3, dimension, seed: 7)

    @Test(
        "a stored id scores exactly what Search reports for it, at every precision, mixed with vectors, in request order",
        arguments: [Multiembed_V1_Precision.float32, .float16, .int8, .binary])
    func storedEqualsSearch(precision: Multiembed_V1_Precision) async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let store = try CountingStore(directory: directory.path)
        try await withCollectionServer(dataDirectory: directory, store: store) { connection in
            _ = try await connection.ok(CollectionRequest.create("raw") {
                $0.vectorsOnly = true
                $0.dimension = UInt32(Self.dimension)
                $0.precision = precision
            })
            _ = try await connection.ok(CollectionRequest.upsert("raw", Self.documents.map { ($0.id, vectorSource($0.rows)) }))
            let hits = try await connection.ok(CollectionRequest.search("raw", vectorSource(Self.queryRows), topK: 6)).search.hits
            let searched = Dictionary(uniqueKeysWithValues: hits.map { ($0.id, $0.score) })
            #expect(searched.count == 6)

            let extra = randomRows(4, Self.dimension, seed: 123)
            let alone = try await connection.ok(CollectionRequest.score(vectorSource(Self.queryRows), [vectorSource(extra)])).score
            let getsBefore = store.counts.withLock { $0.gets }
            let score = try await connection.ok(CollectionRequest.score(
                vectorSource(Self.queryRows),
                [storedSource("d4"), vectorSource(extra), storedSource("d1"), storedSource("d4"), storedSource("d0")]
            ) { $0.collection = "raw" }).score
            #expect(score.scores.count == 5)
            #expect(score.scores[0] == searched["d4"])
            #expect(score.scores[1] == alone.scores[0])
            #expect(score.scores[2] == searched["d1"])
            #expect(score.scores[3] == searched["d4"])
            #expect(score.scores[4] == searched["d0"])
            #expect(score.usage.tokens == 0)
            // One store read for every id (a repeat read once), never on an event loop.
            let counts = store.counts.withLock { $0 }
            #expect(counts.gets == getsBefore + 1)
            #expect(counts.lastGet == ["d4", "d1", "d0"])
            #expect(counts.callsOnEventLoop == 0)
        }
    }

    @Test("a stored query is scored as stored (not normalised again), against stored and sent documents")
    func storedQuery() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.create("half") {
                $0.vectorsOnly = true
                $0.dimension = UInt32(Self.dimension)
                $0.precision = .float16
            })
            _ = try await connection.ok(CollectionRequest.upsert("half", Self.documents.map { ($0.id, vectorSource($0.rows)) }))
            let got = try await connection.ok(CollectionRequest.get("half", ["d2", "d3"], includeVectors: true)).get.documents
            let stored = try got.map { try MultiVector(dimension: Self.dimension, values: floats($0.content.vectors.data)) }
            let sent = try normalised(Self.queryRows)
            let corpus = try EncodedCorpus([stored[1], sent], dimension: Self.dimension, precision: .float32)
            let expected = try MaxSim.scores(stored[0], corpus.view)

            let score = try await connection.ok(CollectionRequest.score(
                storedSource("d2"), [storedSource("d3"), vectorSource(Self.queryRows)]) { $0.collection = "half" }).score
            #expect(score.scores == expected)
        }
    }

    @Test("text inputs mix with stored ids; a stored text document scores as Search finds it for the same text query")
    func textAndStored() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.create("passages"))
            let texts = ["A man is eating food.", "The new movie is awesome.", "A man is riding a horse."]
            _ = try await connection.ok(CollectionRequest.upsert("passages", texts.enumerated().map { ("p\($0.offset)", textSource($0.element)) }))
            let query = "someone rides a horse"
            let hits = try await connection.ok(CollectionRequest.search("passages", textSource(query), topK: 3)).search.hits
            let searched = Dictionary(uniqueKeysWithValues: hits.map { ($0.id, $0.score) })
            let plain = try await connection.ok(CollectionRequest.score(textSource(query), [textSource("Swift concurrency")])).score

            let score = try await connection.ok(CollectionRequest.score(
                textSource(query), [storedSource("p2"), textSource("Swift concurrency"), storedSource("p0")]
            ) { $0.collection = "passages" }).score
            #expect(score.scores == [try #require(searched["p2"]), plain.scores[0], try #require(searched["p0"])])
            #expect(score.scores[0] > score.scores[2])
            #expect(score.usage.tokens == plain.usage.tokens)
        }
    }

    @Test("missing ids are NOT_FOUND with an InputError each; ids need a known collection; other requests refuse ids")
    func errors() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.vectorsOnly("raw", dimension: Self.dimension))
            _ = try await connection.ok(CollectionRequest.upsert("raw", Self.documents.map { ($0.id, vectorSource($0.rows)) }))
            let query = vectorSource(Self.queryRows)

            let missing = try await connection.answer(CollectionRequest.score(
                query, [storedSource("d1"), storedSource("nope"), vectorSource(Self.queryRows), storedSource("gone")]
            ) { $0.collection = "raw" })
            #expect(missing.status.code == .notFound)
            #expect(missing.status.inputErrors.map(\.index) == [1, 3])
            #expect(missing.status.inputErrors.allSatisfy { $0.code == .notFound })
            #expect(missing.status.inputErrors[0].message == "document 1: collection 'raw' has no document 'nope'")
            #expect(missing.status.inputErrors[1].message.contains("'gone'"))

            let missingQuery = try await connection.answer(CollectionRequest.score(storedSource("nope"), [storedSource("d1")]) {
                $0.collection = "raw"
            })
            #expect(missingQuery.status.code == .notFound)
            #expect(missingQuery.status.message == "query: collection 'raw' has no document 'nope'")

            let noCollection = try await connection.answer(CollectionRequest.score(query, [storedSource("d1")]))
            #expect(noCollection.status.code == .invalidArgument)
            #expect(noCollection.status.message.contains("document_id 'd1' needs ScoreRequest.collection"))

            let unknown = try await connection.answer(CollectionRequest.score(query, [storedSource("d1")]) { $0.collection = "other" })
            #expect(unknown.status.code == .notFound)
            #expect(unknown.status.message.contains("'other'"))

            let empty = try await connection.answer(CollectionRequest.score(query, [storedSource("")]) { $0.collection = "raw" })
            #expect(empty.status.code == .invalidArgument)
            #expect(empty.status.inputErrors.first?.message == "document 0: the document_id is empty")

            // With a collection, every side must have its dimension, as in Search.
            let wide = try await connection.answer(CollectionRequest.score(vectorSource(randomRows(2, 8, seed: 3)), [storedSource("d1")]) {
                $0.collection = "raw"
            })
            #expect(wide.status.code == .failedPrecondition)
            #expect(wide.status.message.contains("dimension 8, expected 16"))

            let upsert = try await connection.answer(CollectionRequest.upsert("raw", [("ok", query), ("copy", storedSource("d1"))]))
            #expect(upsert.status.code == .invalidArgument)
            #expect(upsert.status.inputErrors.map(\.index) == [1])
            #expect(upsert.status.inputErrors.first?.message.contains("document_id 'd1' is accepted by Score only") == true)
            #expect(try await connection.ok(CollectionRequest.get("raw", ["ok"])).get.documents.isEmpty)

            let search = try await connection.answer(CollectionRequest.search("raw", storedSource("d1")))
            #expect(search.status.code == .invalidArgument)
            #expect(search.status.message == "query: document_id 'd1' is accepted by Score only; send an input or vectors")
        }
    }
}
}
