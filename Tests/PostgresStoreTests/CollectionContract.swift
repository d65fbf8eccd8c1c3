import EmbeddingTesting
import Foundation
import LateInteraction
import Testing

/// The contract of ``VectorStore`` that every store must keep, as the server and the CLI rely
/// on it: run against the local store and the PostgreSQL store alike (each test below is one
/// part, called by both suites). Collections are named with a random suffix, so the suites may
/// share a database and run in parallel, and are dropped at the end.
struct CollectionContract {
    let store: any VectorStore
    static let dimension = 8

    func name(_ base: String) -> String { "\(base)-\(UInt32.random(in: 0 ... .max))" }

    static func unitVectors(_ count: Int, seed: UInt64) -> MultiVector {
        var generator = SeededGenerator(state: seed)
        var values: [Float] = []
        for _ in 0 ..< count {
            let row = (0 ..< dimension).map { _ in Float.random(in: -1 ... 1, using: &generator) + Float.random(in: -1 ... 1, using: &generator) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            values += row.map { $0 / norm }
        }
        return try! MultiVector(dimension: dimension, values: values)
    }

    static func documents(_ count: Int, seed: UInt64) -> [StoredDocument] {
        (0 ..< count).map { index in
            StoredDocument(
                id: "doc\(index)", vectors: unitVectors(1 + index % 5, seed: seed &* 1000 &+ UInt64(index)),
                pooled: unitVectors(1, seed: seed &* 7919 &+ UInt64(index)).values,
                metadata: ["page": "\(index)", "parity": index % 2 == 0 ? "even" : "odd"])
        }
    }

    /// Exact MaxSim by the kernels over `documents` encoded at `precision`: what a search must give.
    static func exact(_ query: MultiVector, _ documents: [StoredDocument], precision: StoragePrecision, k: Int) throws -> [(id: String, score: Float)] {
        let corpus = try EncodedCorpus(documents.map(\.vectors), dimension: dimension, precision: precision)
        return try MaxSim.search(query, corpus.view, k: k).map { (documents[$0.index].id, $0.score) }
    }

    static func expectSame(_ hits: [SearchHit], _ expected: [(id: String, score: Float)], _ comment: String) {
        #expect(hits.map(\.id) == expected.map(\.id), "\(comment)")
        for (hit, want) in zip(hits, expected) {
            #expect(abs(hit.score - want.score) <= 1e-5, "\(comment): \(hit.id) scored \(hit.score), exact \(want.score)")
        }
    }

    func createListDrop() throws {
        let name = name("settings")
        let spec = CollectionSpec(name: name, dimension: Self.dimension, precision: .float16, poolFactor: 2, maxVectors: 10, model: "m")
        try store.create(spec)
        #expect(try store.list().contains(spec))
        #expect(try store.spec(of: name) == spec)
        #expect(try store.documentCount(in: name) == 0)
        try store.create(spec)  // the same settings again: nothing to do
        #expect(throws: LateInteractionError.collectionExists(name)) {
            try store.create(CollectionSpec(name: name, dimension: Self.dimension + 1))
        }
        try store.drop(name)
        #expect(try !store.list().contains { $0.name == name })
        #expect(throws: LateInteractionError.unknownCollection(name)) { try store.spec(of: name) }
        #expect(throws: LateInteractionError.unknownCollection(name)) { try store.drop(name) }
        #expect(throws: LateInteractionError.self) { try store.create(CollectionSpec(name: "bad/name", dimension: 4)) }
        #expect(throws: LateInteractionError.self) { try store.create(CollectionSpec(name: name, dimension: 4, kind: .dense).with(precision: .int8)) }
    }

    func putReplaceGetDelete() throws {
        let name = name("documents")
        try store.create(CollectionSpec(name: name, dimension: Self.dimension))
        defer { try? store.drop(name) }
        var docs = Self.documents(6, seed: 3)
        docs[1].attachment = [0, 1, 2, 255]
        docs[2].pooled = nil
        docs[3].metadata = [:]
        try store.put(docs, into: name)
        #expect(try store.documentCount(in: name) == 6)
        let got = try store.get(["doc2", "missing", "doc1", "doc3"], from: name)
        #expect(got == [docs[2], docs[1], docs[3]])

        let replacement = StoredDocument(id: "doc1", vectors: Self.unitVectors(7, seed: 99), metadata: ["page": "new"])
        try store.put([replacement], into: name)
        #expect(try store.documentCount(in: name) == 6)
        #expect(try store.get(["doc1"], from: name) == [replacement])

        #expect(try store.delete(["doc1", "doc4", "missing"], from: name) == 2)
        #expect(try store.documentCount(in: name) == 4)
        #expect(try store.get(["doc1", "doc4"], from: name).isEmpty)
        #expect(try store.delete([], from: name) == 0)

        var scanned: [String: MultiVector] = [:]
        try store.scanBlocks(of: name, documentsPerBlock: 3) { block in
            #expect(block.ids.count <= 3 && block.ids.count == block.documents.count)
            for (i, id) in block.ids.enumerated() { scanned[id] = block.documents.vectors(i) }
        }
        #expect(scanned == Dictionary(uniqueKeysWithValues: [0, 2, 3, 5].map { (docs[$0].id, docs[$0].vectors) }))
    }

    func upsertChecks() throws {
        let name = name("checks")
        try store.create(CollectionSpec(name: name, dimension: Self.dimension))
        defer { try? store.drop(name) }
        let doc = Self.documents(1, seed: 5)[0]
        #expect(throws: LateInteractionError.duplicateID(collection: name, id: doc.id)) { try store.put([doc, doc], into: name) }
        let wide = StoredDocument(id: "wide", vectors: try MultiVector(dimension: 4, values: [1, 0, 0, 0]))
        #expect(throws: LateInteractionError.dimensionMismatch(context: "collection '\(name)' document 'wide'", expected: Self.dimension, actual: 4)) {
            try store.put([doc, wide], into: name)
        }
        var badPooled = doc
        badPooled.pooled = [Float](repeating: .nan, count: Self.dimension)
        #expect(throws: LateInteractionError.nonFiniteValue(context: "collection '\(name)' document '\(doc.id)' pooled vector")) {
            try store.put([badPooled], into: name)
        }
        // A refused upsert wrote nothing, not even its valid documents.
        #expect(try store.documentCount(in: name) == 0)
        #expect(throws: LateInteractionError.unknownCollection("nowhere-\(name)")) { try store.put([doc], into: "nowhere-\(name)") }
        #expect(throws: LateInteractionError.unknownCollection("nowhere-\(name)")) { try store.get(["x"], from: "nowhere-\(name)") }
        #expect(throws: LateInteractionError.unknownCollection("nowhere-\(name)")) {
            try store.search(Self.unitVectors(2, seed: 1), in: "nowhere-\(name)", topK: 3, filter: .none, options: .init())
        }
        #expect(throws: LateInteractionError.invalidTopK(0)) {
            try store.search(Self.unitVectors(2, seed: 1), in: name, topK: 0, filter: .none, options: .init())
        }
        #expect(throws: LateInteractionError.dimensionMismatch(context: "query for collection '\(name)'", expected: Self.dimension, actual: 4)) {
            try store.search(try MultiVector(dimension: 4, values: [1, 0, 0, 0]), in: name, topK: 3, filter: .none, options: .init())
        }
    }

    /// Exact search, filtered search, and indexed search at a depth covering everything, against
    /// the kernels' exact MaxSim; at a shallow depth, exact scores on whatever is found.
    func searchEqualsExact(precision: StoragePrecision) throws {
        let name = name("search-\(precision.rawValue)")
        try store.create(CollectionSpec(name: name, dimension: Self.dimension, precision: precision))
        defer { try? store.drop(name) }
        let docs = Self.documents(60, seed: 11)
        try store.put(Array(docs[..<30]), into: name)
        try store.put(Array(docs[30...]), into: name)
        for seed in UInt64(1) ... 4 {
            let query = Self.unitVectors(3, seed: 500 + seed)
            let exact = try Self.exact(query, docs, precision: precision, k: 10)
            Self.expectSame(try store.search(query, in: name, topK: 10, filter: .none, options: .init()), exact, "exact search")
            Self.expectSame(
                try store.searchIndexed(query, in: name, topK: 10, filter: .none, depth: .init(probes: 8, candidates: 60)), exact,
                "indexed search at full depth")
            let admitted = docs.filter { $0.metadata["parity"] == "even" && $0.id != "doc4" }
            let filter = DocumentFilter(ids: Set(docs.map(\.id)).subtracting(["doc4"]), metadata: ["parity": "even"])
            let filteredExact = try Self.exact(query, admitted, precision: precision, k: 5)
            Self.expectSame(try store.search(query, in: name, topK: 5, filter: filter, options: .init()), filteredExact, "filtered search")
            Self.expectSame(
                try store.searchIndexed(query, in: name, topK: 5, filter: filter, depth: .init(probes: 8, candidates: 100)), filteredExact,
                "filtered indexed search at full depth")
            // Shallow: candidates from an index (the Postgres store's HNSW graph); whatever is
            // found is scored exactly, and a document's own vectors find it first.
            let own = docs[17].vectors
            let shallow = try store.searchIndexed(own, in: name, topK: 3, filter: .none, depth: .init(probes: 4, candidates: 8))
            #expect(shallow.first?.id == "doc17")
            let all = Dictionary(uniqueKeysWithValues: try Self.exact(own, docs, precision: precision, k: docs.count).map { ($0.id, $0.score) })
            for hit in shallow { #expect(abs(hit.score - all[hit.id]!) <= 1e-5, "\(hit.id) scored \(hit.score)") }
            let shallowFiltered = try store.searchIndexed(
                own, in: name, topK: 3, filter: DocumentFilter(metadata: ["parity": "odd"]), depth: .init(probes: 4, candidates: 8))
            #expect(shallowFiltered.first?.id == "doc17" && shallowFiltered.allSatisfy { $0.metadata["parity"] == "odd" })
        }
        #expect(try store.search(Self.unitVectors(2, seed: 3), in: name, topK: 5, filter: DocumentFilter(ids: []), options: .init()).isEmpty)
    }

    /// Dense similarity over pooled vectors: cosine and dot against the obvious computation, a
    /// filter, and the refusal when an admitted document has no pooled vector.
    func pooledSearch() throws {
        let name = name("pooled")
        try store.create(CollectionSpec(name: name, dimension: Self.dimension))
        defer { try? store.drop(name) }
        var docs = Self.documents(20, seed: 21)
        for i in docs.indices { docs[i].pooled = docs[i].pooled!.map { $0 * Float(1 + i % 3) } }  // not unit length
        try store.put(docs, into: name)
        let query = Self.unitVectors(1, seed: 77).values.map { $0 * 3 }
        let unit = query.map { $0 / 3 }
        func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for metric in DenseMetric.allCases {
            let expected = docs.map { doc -> (id: String, score: Float) in
                let pooled = doc.pooled!
                let score = metric == .cosine ? dot(unit, pooled) / dot(pooled, pooled).squareRoot() : dot(unit, pooled)
                return (doc.id, score)
            }.sorted { $0.score > $1.score }
            let hits = try store.searchPooled(query, in: name, topK: 5, filter: .none, metric: metric)
            #expect(hits.map(\.id) == expected.prefix(5).map(\.id), "\(metric)")
            for (hit, want) in zip(hits, expected) { #expect(abs(hit.score - want.score) <= 1e-5, "\(metric) \(hit.id)") }
            let odd = try store.searchPooled(query, in: name, topK: 3, filter: DocumentFilter(metadata: ["parity": "odd"]), metric: metric)
            #expect(odd.map(\.id) == expected.filter { Int($0.id.dropFirst(3))! % 2 == 1 }.prefix(3).map(\.id))
        }
        try store.put([StoredDocument(id: "bare", vectors: Self.unitVectors(2, seed: 1), metadata: ["parity": "none"])], into: name)
        #expect(throws: LateInteractionError.missingPooledVectors(collection: name, missing: 1, total: 21)) {
            try store.searchPooled(query, in: name, topK: 3, filter: .none, metric: .cosine)
        }
        #expect(try store.searchPooled(query, in: name, topK: 3, filter: DocumentFilter(metadata: ["parity": "odd"]), metric: .cosine).count == 3)
        #expect(throws: LateInteractionError.dimensionMismatch(context: "pooled query for collection '\(name)'", expected: Self.dimension, actual: 3)) {
            try store.searchPooled([1, 0, 0], in: name, topK: 3, filter: .none, metric: .cosine)
        }
    }

    /// A dense collection: pooled vectors only, and no MaxSim search.
    func denseCollection() throws {
        let name = name("dense")
        try store.create(CollectionSpec(name: name, dimension: Self.dimension, kind: .dense))
        defer { try? store.drop(name) }
        let docs = Self.documents(5, seed: 31).map { StoredDocument(id: $0.id, vectors: .none(dimension: Self.dimension), pooled: $0.pooled, metadata: $0.metadata) }
        try store.put(docs, into: name)
        #expect(try store.get(["doc3"], from: name) == [docs[3]])
        #expect(try store.searchPooled(docs[2].pooled!, in: name, topK: 1, filter: .none, metric: .cosine).first?.id == "doc2")
        #expect(throws: LateInteractionError.self) {
            try store.search(Self.unitVectors(2, seed: 1), in: name, topK: 3, filter: .none, options: .init())
        }
        #expect(throws: LateInteractionError.self) { try store.put([Self.documents(1, seed: 1)[0]], into: name) }
    }

    /// Pooling and truncation at upsert, as the settings say.
    func poolingAndTruncation() throws {
        let name = name("pooling")
        try store.create(CollectionSpec(name: name, dimension: Self.dimension, poolFactor: 2, maxVectors: 2))
        defer { try? store.drop(name) }
        let doc = StoredDocument(id: "long", vectors: Self.unitVectors(9, seed: 41))
        try store.put([doc], into: name)
        let expected = try TokenPooling.pooled(doc.vectors, factor: 2).prefix(2)
        let stored = try store.get(["long"], from: name)[0].vectors
        #expect(stored.count == expected.count)
        for (a, b) in zip(stored.values, expected.values) { #expect(abs(a - b) <= 1e-6) }
    }
}

extension CollectionSpec {
    func with(precision: StoragePrecision) -> CollectionSpec {
        var copy = self
        copy.precision = precision
        return copy
    }
}
