import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

@Suite struct LocalVectorStoreTests {
    static let dimension = 8

    static func documents(_ count: Int, seed: UInt64, prefix: String = "doc") -> [StoredDocument] {
        var generator = SeededGenerator(state: seed)
        return (0 ..< count).map { index in
            StoredDocument(
                id: "\(prefix)\(index)", vectors: TestData.unitVectors(1 + index % 5, dimension: dimension, using: &generator),
                pooled: index % 2 == 0 ? Array(repeating: 0.5, count: dimension) : nil, metadata: ["page": "\(index)"])
        }
    }

    static func query(seed: UInt64) -> MultiVector {
        var generator = SeededGenerator(state: seed)
        return TestData.unitVectors(3, dimension: dimension, using: &generator)
    }

    @Test(arguments: StoragePrecision.allCases)
    func putGetSearchAndReopen(_ precision: StoragePrecision) throws {
        let temporary = try TemporaryDirectory()
        let docs = Self.documents(30, seed: 1)
        let first: [SearchHit]
        do {
            let store = try LocalVectorStore(directory: temporary.url.path)
            try store.create(CollectionSpec(name: "pages", dimension: Self.dimension, precision: precision))
            try store.put(docs, into: "pages")
            let got = try store.get(["doc3", "missing", "doc4"], from: "pages")
            #expect(got.map(\.id) == ["doc3", "doc4"])
            #expect(got[1].metadata == ["page": "4"] && got[1].pooled == Array(repeating: 0.5, count: Self.dimension))
            if precision == .float32 { #expect(got[0].vectors == docs[3].vectors) }
            first = try store.search(Self.query(seed: 2), in: "pages", topK: 5, filter: nil)
            #expect(first.count == 5)
            // Exact scores agree with scoring the stored vectors directly.
            let corpus = try EncodedCorpus(docs.map(\.vectors), dimension: Self.dimension, precision: precision)
            let direct = try MaxSim.search(Self.query(seed: 2), corpus.view, k: 5)
            #expect(first.map(\.id) == direct.map { "doc\($0.index)" })
            let filtered = try store.search(Self.query(seed: 2), in: "pages", topK: 5, filter: ["doc7", "doc9", "nope"])
            #expect(Set(filtered.map(\.id)).isSubset(of: ["doc7", "doc9"]) && filtered.count == 2)
        }
        let reopened = try LocalVectorStore(directory: temporary.url.path)
        let again = try reopened.search(Self.query(seed: 2), in: "pages", topK: 5, filter: nil)
        #expect(again == first)
        #expect(try reopened.list().map(\.name) == ["pages"])
    }

    /// A crash mid-append leaves a prefix of the last record: every such prefix must reopen with
    /// exactly the earlier records, and the store must accept writes again afterwards.
    @Test func tornTailAtEveryByteIsRecovered() throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.url.path
        let log = path + "/pages/log"
        let sizeBefore: Int
        do {
            let store = try LocalVectorStore(directory: path)
            try store.create(CollectionSpec(name: "pages", dimension: Self.dimension, precision: .int8))
            try store.put(Self.documents(4, seed: 3), into: "pages")
            sizeBefore = try Data(contentsOf: URL(fileURLWithPath: log)).count
            try store.put(Self.documents(1, seed: 4, prefix: "last"), into: "pages")
        }
        let full = try Data(contentsOf: URL(fileURLWithPath: log))
        for cut in sizeBefore ..< full.count {
            try full.prefix(cut).write(to: URL(fileURLWithPath: log))
            let store = try LocalVectorStore(directory: path)
            #expect(try store.statistics("pages").documents == 4, "cut at \(cut)")
            #expect(try store.get(["last0"], from: "pages").isEmpty)
            #expect(try store.get(["doc0", "doc1", "doc2", "doc3"], from: "pages").count == 4)
        }
        // A flipped byte in the last record fails its checksum: dropped, earlier ones kept, and
        // the next write lands after the good data.
        var flipped = full
        flipped[full.count - 3] ^= 0xFF
        try flipped.write(to: URL(fileURLWithPath: log))
        let store = try LocalVectorStore(directory: path)
        #expect(try store.statistics("pages").documents == 4)
        try store.put(Self.documents(1, seed: 5, prefix: "after"), into: "pages")
        #expect(try store.get(["after0"], from: "pages").count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: log)).count > sizeBefore)
    }

    @Test func deleteAndCompactionReclaimSpace() throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.url.path
        let store = try LocalVectorStore(directory: path)
        try store.create(CollectionSpec(name: "c", dimension: Self.dimension, precision: .float16))
        let docs = Self.documents(20, seed: 6)
        try store.put(docs, into: "c")
        try store.put([docs[1]], into: "c")  // a replacement leaves a dead record
        #expect(try store.delete(["doc0", "doc2", "doc4", "ghost"], from: "c") == 3)
        let before = try store.search(Self.query(seed: 7), in: "c", topK: 10, filter: nil)
        #expect(!before.contains { ["doc0", "doc2", "doc4"].contains($0.id) })
        let size = { try Data(contentsOf: URL(fileURLWithPath: path + "/c/log")).count }
        let sizeBefore = try size()
        #expect(try store.statistics("c").reclaimableBytes > 0)
        try store.compact("c")
        #expect(try size() < sizeBefore)
        #expect(try store.statistics("c") == (17, 0))
        #expect(try store.search(Self.query(seed: 7), in: "c", topK: 10, filter: nil) == before)
        // Writes after compaction persist too.
        try store.put(Self.documents(1, seed: 8, prefix: "new"), into: "c")
        #expect(try store.get(["new0", "doc1"], from: "c").count == 2)
    }

    @Test func poolingAndTruncationApplyAtUpsert() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "p", dimension: Self.dimension, poolFactor: 2, maxVectors: 1))
        var generator = SeededGenerator(state: 9)
        try store.put([StoredDocument(id: "a", vectors: TestData.unitVectors(10, dimension: Self.dimension, using: &generator))], into: "p")
        #expect(try store.get(["a"], from: "p")[0].vectors.count == 1)
    }

    @Test func badInputGetsClearErrors() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "c", dimension: Self.dimension))
        #expect(throws: LateInteractionError.unknownCollection("nope")) { try store.search(Self.query(seed: 1), in: "nope", topK: 3, filter: nil) }
        #expect(throws: LateInteractionError.invalidTopK(0)) { try store.search(Self.query(seed: 1), in: "c", topK: 0, filter: nil) }
        #expect(throws: LateInteractionError.invalidTopK(-2)) { try store.search(Self.query(seed: 1), in: "c", topK: -2, filter: nil) }
        let wide = try MultiVector(dimension: 4, values: [1, 0, 0, 0])
        #expect(throws: LateInteractionError.self) { try store.search(wide, in: "c", topK: 3, filter: nil) }
        #expect(throws: LateInteractionError.self) { try store.put([StoredDocument(id: "w", vectors: wide)], into: "c") }
        let docs = Self.documents(1, seed: 2)
        #expect(throws: LateInteractionError.duplicateID(collection: "c", id: "doc0")) { try store.put(docs + docs, into: "c") }
        #expect(throws: LateInteractionError.self) { try store.create(CollectionSpec(name: "../escape", dimension: 8)) }
        #expect(throws: LateInteractionError.collectionExists("c")) { try store.create(CollectionSpec(name: "c", dimension: 9)) }
        #expect(throws: LateInteractionError.self) { try LocalVectorStore(directory: temporary.url.path) }  // locked
        try store.drop("c")
        #expect(throws: LateInteractionError.unknownCollection("c")) { try store.get(["x"], from: "c") }
        #expect(try store.list().isEmpty)
    }
}
