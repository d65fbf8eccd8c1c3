import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

/// Indexed search on the local store: the index follows upserts, replacements, deletes and
/// compaction, and at a depth covering the collection it is exact search.
@Suite struct IndexedSearchTests {
    static let dimension = 16

    static func documents(_ range: Range<Int>, seed: UInt64, prefix: String = "d") -> [StoredDocument] {
        var generator = SeededGenerator(state: seed)
        return range.map { index in
            StoredDocument(
                id: "\(prefix)\(index)", vectors: TestData.unitVectors(3 + index % 5, dimension: dimension, using: &generator),
                metadata: ["parity": index % 2 == 0 ? "even" : "odd"])
        }
    }

    /// Exact MaxSim and indexed search with every centroid probed and all documents but one
    /// candidates: one fewer than the collection, so that the index, not the small-collection
    /// shortcut, picks them (and drops the one it scores worst, never one of the top 10 here).
    static func bothWays(
        _ store: LocalVectorStore, _ query: MultiVector, filter: DocumentFilter = .none
    ) throws -> (exact: [SearchHit], indexed: [SearchHit]) {
        let exact = try store.search(CollectionQuery(tokens: query, mode: .maxSim, topK: 10, filter: filter), in: "c")
        let candidates = try store.documentCount(in: "c") - 1
        let indexed = try store.search(
            CollectionQuery(tokens: query, mode: .indexed, topK: 10, candidates: candidates, probes: 100_000, filter: filter), in: "c")
        return (exact, indexed)
    }

    @Test func atFullDepthIndexedSearchIsExactThroughUpsertsReplacementsDeletesAndCompaction() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "c", dimension: Self.dimension))
        try store.put(Self.documents(0 ..< 200, seed: 1), into: "c")
        var generator = SeededGenerator(state: 99)
        let queries = (0 ..< 4).map { _ in TestData.unitVectors(4, dimension: Self.dimension, using: &generator) }
        func check(_ stage: String) throws {
            for query in queries {
                let (exact, indexed) = try Self.bothWays(store, query)
                #expect(exact.count == 10)
                #expect(indexed == exact, "\(stage)")
                let filtered = try Self.bothWays(store, query, filter: DocumentFilter(metadata: ["parity": "odd"]))
                #expect(filtered.indexed == filtered.exact, "\(stage), filtered")
                #expect(filtered.indexed.allSatisfy { $0.metadata["parity"] == "odd" })
            }
        }
        try check("first build")
        try store.put(Self.documents(200 ..< 260, seed: 2), into: "c")
        try check("after appending")
        try store.put(Self.documents(0 ..< 30, seed: 3), into: "c")
        try check("after replacing")
        try store.delete((100 ..< 150).map { "d\($0)" }, from: "c")
        try check("after deleting")
        try store.compact("c")
        try check("after compacting")
    }

    @Test func aDocumentJustUpsertedIsFoundByItsOwnVectorsAtTheDefaultDepth() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "c", dimension: Self.dimension))
        try store.put(Self.documents(0 ..< 300, seed: 5), into: "c")
        _ = try store.search(CollectionQuery(tokens: Self.documents(0 ..< 1, seed: 5)[0].vectors, mode: .indexed, topK: 1), in: "c")
        let fresh = Self.documents(0 ..< 5, seed: 6, prefix: "new")
        try store.put(fresh, into: "c")
        for document in fresh {
            let hits = try store.search(CollectionQuery(tokens: document.vectors, mode: .indexed, topK: 1), in: "c")
            #expect(hits.first?.id == document.id)
        }
    }

    @Test func indexedSearchRefusesADenseCollectionAndNonPositiveProbes() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "c", dimension: Self.dimension))
        try store.put(Self.documents(0 ..< 10, seed: 7), into: "c")
        let query = Self.documents(0 ..< 1, seed: 7)[0].vectors
        #expect(throws: LateInteractionError.self) {
            try store.search(CollectionQuery(tokens: query, mode: .indexed, topK: 3, probes: 0), in: "c")
        }
        #expect(throws: LateInteractionError.self) {
            try store.search(CollectionQuery(mode: .indexed, topK: 3), in: "c")
        }
    }

    @Test func aCollectionNoLargerThanTheDepthIsSearchedExactly() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "c", dimension: Self.dimension))
        try store.put(Self.documents(0 ..< 40, seed: 8), into: "c")
        var generator = SeededGenerator(state: 12)
        let query = TestData.unitVectors(3, dimension: Self.dimension, using: &generator)
        let exact = try store.search(CollectionQuery(tokens: query, mode: .maxSim, topK: 40), in: "c")
        let indexed = try store.search(CollectionQuery(tokens: query, mode: .indexed, topK: 40), in: "c")
        #expect(indexed == exact && exact.count == 40)
    }
}
