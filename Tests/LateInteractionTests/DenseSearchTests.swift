import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

/// Dense collections, pooled-vector search, hybrid search, metadata filters and the first-stage
/// depth, on the local store.
@Suite struct DenseSearchTests {
    static let dimension = 6

    /// `count` random pooled vectors (not normalised: their norms vary, so cosine and dot rank
    /// differently), seeded.
    static func pooledVectors(_ count: Int, seed: UInt64) -> [[Float]] {
        var generator = SeededGenerator(state: seed)
        return (0 ..< count).map { index in
            let scale = Float(1 + index % 4)
            return (0 ..< dimension).map { _ in scale * Float.random(in: -1 ... 1, using: &generator) }
        }
    }

    static func denseDocuments(_ vectors: [[Float]]) -> [StoredDocument] {
        vectors.enumerated().map { index, vector in
            StoredDocument(
                id: "d\(index)", vectors: .none(dimension: dimension), pooled: vector,
                metadata: ["parity": index % 2 == 0 ? "even" : "odd", "n": "\(index)"])
        }
    }

    /// Cosine or dot of `query` (normalised here) with each vector, in double, as the reference.
    static func reference(_ query: [Float], _ vectors: [[Float]], metric: DenseMetric) -> [Double] {
        let queryNorm = query.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return vectors.map { vector in
            let dot = zip(query, vector).reduce(0.0) { $0 + Double($1.0) / queryNorm * Double($1.1) }
            let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            return metric == .cosine ? dot / norm : dot
        }
    }

    static func ranking(_ scores: [Double], k: Int) -> [String] {
        scores.enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
            .prefix(k).map { "d\($0.offset)" }
    }

    @Test func aDenseCollectionRanksByCosineOrDotAndKeepsItsVectorsAcrossReopening() throws {
        let temporary = try TemporaryDirectory()
        let vectors = Self.pooledVectors(40, seed: 3)
        let query: [Float] = Self.pooledVectors(1, seed: 99)[0]
        var first: [SearchHit] = []
        for round in 0 ..< 2 {
            let store = try LocalVectorStore(directory: temporary.url.path)
            if round == 0 {
                try store.create(CollectionSpec(name: "dense", dimension: Self.dimension, kind: .dense))
                try store.put(Self.denseDocuments(vectors), into: "dense")
            }
            #expect(try store.spec(of: "dense").kind == .dense)
            for metric in DenseMetric.allCases {
                let hits = try store.search(CollectionQuery(pooled: query, topK: 7, metric: metric), in: "dense")
                let expected = Self.reference(query, vectors, metric: metric)
                #expect(hits.map(\.id) == Self.ranking(expected, k: 7), "\(metric)")
                for hit in hits {
                    let index = Int(hit.id.dropFirst())!
                    #expect(abs(Double(hit.score) - expected[index]) < 1e-5)
                }
                if metric == .cosine {
                    if round == 0 { first = hits } else { #expect(hits == first) }
                }
            }
            // Cosine and dot disagree on this corpus (the norms differ), so the metric is used.
            let cosine = try store.search(CollectionQuery(pooled: query, topK: 10, metric: .cosine), in: "dense")
            let dot = try store.search(CollectionQuery(pooled: query, topK: 10, metric: .dot), in: "dense")
            #expect(cosine.map(\.id) != dot.map(\.id))
            let got = try store.get(["d5"], from: "dense")
            #expect(got.first?.pooled == vectors[5])
            #expect(got.first?.vectors.count == 0)
        }
    }

    @Test func aDenseCollectionRefusesTokenVectorsMaxSimAndOtherPrecisions() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        #expect(throws: LateInteractionError.self) {
            try store.create(CollectionSpec(name: "binary", dimension: 4, precision: .binary, kind: .dense))
        }
        try store.create(CollectionSpec(name: "dense", dimension: 4, kind: .dense))
        var generator = SeededGenerator(state: 1)
        let tokens = TestData.unitVectors(2, dimension: 4, using: &generator)
        #expect(throws: LateInteractionError.self) {
            try store.put([StoredDocument(id: "a", vectors: tokens, pooled: [1, 0, 0, 0])], into: "dense")
        }
        #expect(throws: LateInteractionError.self) {
            try store.put([StoredDocument(id: "a", vectors: .none(dimension: 4))], into: "dense")
        }
        #expect(throws: LateInteractionError.self) {
            try store.put([StoredDocument(id: "a", vectors: .none(dimension: 4), pooled: [1, 0, .nan, 0])], into: "dense")
        }
        try store.put([StoredDocument(id: "a", vectors: .none(dimension: 4), pooled: [1, 0, 0, 0])], into: "dense")
        for mode in [CollectionQuery.Mode.maxSim, .hybrid] {
            #expect(throws: LateInteractionError.self) {
                try store.search(CollectionQuery(tokens: tokens, pooled: [1, 0, 0, 0], mode: mode, topK: 1), in: "dense")
            }
        }
        #expect(try store.search(CollectionQuery(pooled: [2, 0, 0, 0], topK: 1), in: "dense").map(\.id) == ["a"])
    }

    @Test func settingsWithoutAKindReadAsMultiVectorAndMultiVectorSettingsOmitIt() throws {
        let old = #"{"dimension": 8, "model": "m", "name": "old", "poolFactor": 1, "precision": "float16"}"#
        let spec = try JSONDecoder().decode(CollectionSpec.self, from: Data(old.utf8))
        #expect(spec == CollectionSpec(name: "old", dimension: 8, precision: .float16, model: "m"))
        #expect(spec.kind == .multiVector)
        let encoded = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        #expect(!encoded.contains("kind"))
        let dense = CollectionSpec(name: "d", dimension: 3, kind: .dense)
        #expect(try JSONDecoder().decode(CollectionSpec.self, from: JSONEncoder().encode(dense)) == dense)
    }

    /// A multi-vector collection whose documents have token vectors, pooled vectors for all but
    /// one ("bare"), and metadata.
    static func mixedStore(_ temporary: TemporaryDirectory) throws -> (LocalVectorStore, [StoredDocument]) {
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "mixed", dimension: dimension))
        var generator = SeededGenerator(state: 11)
        let pooled = pooledVectors(20, seed: 12)
        var documents = (0 ..< 20).map { index in
            StoredDocument(
                id: "d\(index)", vectors: TestData.unitVectors(2 + index % 3, dimension: dimension, using: &generator),
                pooled: pooled[index], metadata: ["lang": index % 3 == 0 ? "fr" : "en", "n": "\(index)"])
        }
        documents.append(StoredDocument(
            id: "bare", vectors: TestData.unitVectors(2, dimension: dimension, using: &generator), metadata: ["lang": "de"]))
        try store.put(documents, into: "mixed")
        return (store, documents)
    }

    @Test func denseSearchRefusesACollectionWithDocumentsWithoutPooledVectorsUnlessFilteredOut() throws {
        let temporary = try TemporaryDirectory()
        let (store, _) = try Self.mixedStore(temporary)
        let query = Self.pooledVectors(1, seed: 5)[0]
        #expect(throws: LateInteractionError.missingPooledVectors(collection: "mixed", missing: 1, total: 21)) {
            try store.search(CollectionQuery(pooled: query, mode: .dense, topK: 3), in: "mixed")
        }
        let english = try store.search(
            CollectionQuery(pooled: query, mode: .dense, topK: 30, filter: DocumentFilter(metadata: ["lang": "en"])), in: "mixed")
        #expect(english.count == 13)
        #expect(english.allSatisfy { $0.metadata["lang"] == "en" })
    }

    @Test func metadataFiltersCombineWithIdFiltersInEveryMode() throws {
        let temporary = try TemporaryDirectory()
        let (store, documents) = try Self.mixedStore(temporary)
        var generator = SeededGenerator(state: 8)
        let tokens = TestData.unitVectors(3, dimension: Self.dimension, using: &generator)
        let pooled = Self.pooledVectors(1, seed: 6)[0]
        let french = Set(documents.filter { $0.metadata["lang"] == "fr" }.map(\.id))
        for mode in CollectionQuery.Mode.allCases {
            let all = try store.search(
                CollectionQuery(tokens: tokens, pooled: pooled, mode: mode, topK: 50, filter: DocumentFilter(metadata: ["lang": "fr"])),
                in: "mixed")
            #expect(Set(all.map(\.id)) == french, "\(mode)")
            let both = try store.search(
                CollectionQuery(
                    tokens: tokens, pooled: pooled, mode: mode, topK: 50,
                    filter: DocumentFilter(ids: ["d0", "d1", "d3", "bare"], metadata: ["lang": "fr"])),
                in: "mixed")
            #expect(Set(both.map(\.id)) == ["d0", "d3"], "\(mode)")
            let none = try store.search(
                CollectionQuery(tokens: tokens, pooled: pooled, mode: mode, topK: 5, filter: DocumentFilter(metadata: ["lang": "FR"])),
                in: "mixed")
            #expect(none.isEmpty)
        }
    }

    @Test func hybridSearchReRanksTheDenseCandidatesByMaxSim() throws {
        let temporary = try TemporaryDirectory()
        let (store, documents) = try Self.mixedStore(temporary)
        var generator = SeededGenerator(state: 21)
        let tokens = TestData.unitVectors(3, dimension: Self.dimension, using: &generator)
        let pooled = Self.pooledVectors(1, seed: 22)[0]
        let admitted = DocumentFilter(ids: Set(documents.filter { $0.pooled != nil }.map(\.id)))
        let maxSim = try store.search(CollectionQuery(tokens: tokens, mode: .maxSim, topK: 5, filter: admitted), in: "mixed")
        // Every admitted document a candidate: hybrid is MaxSim.
        let deep = try store.search(
            CollectionQuery(tokens: tokens, pooled: pooled, mode: .hybrid, topK: 5, candidates: 20, filter: admitted), in: "mixed")
        #expect(deep == maxSim)
        // Four candidates: the hits are the dense top four, in MaxSim order with MaxSim scores.
        let dense = try store.search(CollectionQuery(pooled: pooled, mode: .dense, topK: 4, filter: admitted), in: "mixed")
        let shallow = try store.search(
            CollectionQuery(tokens: tokens, pooled: pooled, mode: .hybrid, topK: 3, candidates: 4, filter: admitted), in: "mixed")
        #expect(shallow.count == 3)
        #expect(Set(shallow.map(\.id)).isSubset(of: Set(dense.map(\.id))))
        let exact = try store.search(
            CollectionQuery(tokens: tokens, mode: .maxSim, topK: 3, filter: DocumentFilter(ids: Set(dense.map(\.id)))), in: "mixed")
        #expect(shallow == exact)
        // Fewer candidates than top_k count as top_k.
        let narrow = try store.search(
            CollectionQuery(tokens: tokens, pooled: pooled, mode: .hybrid, topK: 4, candidates: 1, filter: admitted), in: "mixed")
        #expect(narrow.count == 4)
        #expect(throws: LateInteractionError.self) {
            try store.search(CollectionQuery(tokens: tokens, pooled: pooled, mode: .hybrid, topK: 4, candidates: 0), in: "mixed")
        }
        #expect(throws: LateInteractionError.self) {
            try store.search(CollectionQuery(tokens: tokens, mode: .hybrid, topK: 4), in: "mixed")
        }
    }

    @Test func theCandidateDepthSetsHowManyBinaryCandidatesAreReScored() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        let corpus = TestData.topicalCorpus(documents: 300, dimension: 32, lengths: 4 ... 12, seed: 4)
        for precision in [StoragePrecision.binary, .float16] {
            try store.create(CollectionSpec(name: precision.rawValue, dimension: 32, precision: precision))
            try store.put(
                corpus.docs.enumerated().map { StoredDocument(id: "d\($0.offset)", vectors: $0.element) }, into: precision.rawValue)
        }
        // Re-scoring every candidate makes binary search exact on its float16 copy, whatever
        // the Hamming pass thinks; re-scoring only the Hamming pass's top ten is not.
        var shallowMisses = 0
        for query in corpus.queries.prefix(8) {
            let everything = try store.search(CollectionQuery(tokens: query, topK: 10, candidates: 300), in: "binary")
            let float16 = try store.search(CollectionQuery(tokens: query, topK: 10), in: "float16")
            #expect(everything.map(\.id) == float16.map(\.id))
            #expect(everything.map(\.score) == float16.map(\.score))
            let shallow = try store.search(CollectionQuery(tokens: query, topK: 10, candidates: 10), in: "binary")
            if shallow.map(\.id) != float16.map(\.id) { shallowMisses += 1 }
        }
        #expect(shallowMisses > 0)
    }

    @Test func tiesInDenseScoresAreOrderedById() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "ties", dimension: 3, kind: .dense))
        let ids = ["m", "c", "x", "a", "k"]
        try store.put(ids.map { StoredDocument(id: $0, vectors: .none(dimension: 3), pooled: [1, 2, 3]) }, into: "ties")
        let hits = try store.search(CollectionQuery(pooled: [3, 2, 1], topK: 3), in: "ties")
        #expect(hits.map(\.id) == ["a", "c", "k"])
    }
}
