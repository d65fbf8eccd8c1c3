import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

/// The centroid index file beside a collection's log: reloaded when it covers the log, brought
/// up to date with documents appended since, rebuilt (never an error) when missing, damaged or
/// stale, and removed by compaction.
@Suite struct PersistedIndexTests {
    static let dimension = 16

    /// A store over `directory` holding collection "c" of 300 documents (opened again if there).
    static func store(_ directory: TemporaryDirectory, create: Bool = true) throws -> LocalVectorStore {
        let store = try LocalVectorStore(directory: directory.url.path)
        if create {
            try store.create(CollectionSpec(name: "c", dimension: dimension))
            try store.put(IndexedSearchTests.documents(0 ..< 300, seed: 21), into: "c")
        }
        return store
    }

    static func queries() -> [MultiVector] {
        var generator = SeededGenerator(state: 77)
        return (0 ..< 4).map { _ in TestData.unitVectors(4, dimension: dimension, using: &generator) }
    }

    /// Indexed hits for each query at a depth below the collection (so the index picks them).
    static func indexedHits(_ store: LocalVectorStore) throws -> [[SearchHit]] {
        try queries().map { try store.search(CollectionQuery(tokens: $0, mode: .indexed, topK: 10, candidates: 40, probes: 2), in: "c") }
    }

    static func cache(_ store: LocalVectorStore) throws -> CentroidIndexCache { try store.collection("c").centroidIndex }

    @Test func aReopenedCollectionLoadsItsIndexAndFindsTheSameCandidates() throws {
        let directory = try TemporaryDirectory()
        var store: LocalVectorStore? = try Self.store(directory)
        let before = try Self.indexedHits(store!)
        let built = try #require(try Self.cache(store!).current)
        #expect(!built.loadedFromFile)
        let path = try Self.cache(store!).path
        #expect(FileManager.default.fileExists(atPath: path))
        store = nil
        let reopened = try Self.store(directory, create: false)
        #expect(try Self.indexedHits(reopened) == before)
        let loaded = try #require(try Self.cache(reopened).current)
        #expect(loaded.loadedFromFile)
        #expect(loaded.index.codes == built.index.codes && loaded.index.codeStarts == built.index.codeStarts)
        #expect(loaded.index.centroids == built.index.centroids)
        for query in Self.queries() {
            #expect(loaded.index.candidates(for: query, depth: .init(probes: 2, candidates: 40))
                == built.index.candidates(for: query, depth: .init(probes: 2, candidates: 40)))
        }
    }

    @Test func documentsAppendedSinceTheFileWasWrittenAreIndexedOnLoad() throws {
        let directory = try TemporaryDirectory()
        var store: LocalVectorStore? = try Self.store(directory)
        _ = try Self.indexedHits(store!)
        let fresh = IndexedSearchTests.documents(0 ..< 5, seed: 22, prefix: "new")
        try store!.put(fresh, into: "c")
        store = nil
        let reopened = try Self.store(directory, create: false)
        for document in fresh {
            let hits = try reopened.search(CollectionQuery(tokens: document.vectors, mode: .indexed, topK: 1), in: "c")
            #expect(hits.first?.id == document.id)
        }
        let loaded = try #require(try Self.cache(reopened).current)
        #expect(loaded.loadedFromFile && loaded.index.documentCount == 305)
    }

    @Test(arguments: ["flip", "truncate", "garbage", "empty"])
    func aDamagedIndexFileIsRebuiltAndSearchStaysExactAtFullDepth(damage: String) throws {
        let directory = try TemporaryDirectory()
        var store: LocalVectorStore? = try Self.store(directory)
        _ = try Self.indexedHits(store!)
        let path = try Self.cache(store!).path
        store = nil
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        switch damage {
        case "flip": bytes[bytes.count / 2] ^= 0x10
        case "truncate": bytes.removeLast(bytes.count / 3)
        case "garbage": bytes = Array(repeating: 0x5A, count: 4096)
        default: bytes = []
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reopened = try Self.store(directory, create: false)
        for query in Self.queries() {
            let exact = try reopened.search(CollectionQuery(tokens: query, mode: .maxSim, topK: 10), in: "c")
            let indexed = try reopened.search(
                CollectionQuery(tokens: query, mode: .indexed, topK: 10, candidates: 299, probes: 100_000), in: "c")
            #expect(indexed == exact, "\(damage)")
        }
        let rebuilt = try #require(try Self.cache(reopened).current)
        #expect(!rebuilt.loadedFromFile, "\(damage)")
        // The damaged file was replaced by a whole one.
        let file = try CentroidIndexFile.read(path, dimension: Self.dimension)
        #expect(file?.index.documentCount == 300)
    }

    @Test func compactionRemovesTheFileAndTheNextSearchRebuildsIt() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        _ = try Self.indexedHits(store)
        let path = try Self.cache(store).path
        try store.delete((0 ..< 100).map { "d\($0)" }, from: "c")
        try store.compact("c")
        #expect(!FileManager.default.fileExists(atPath: path))
        for query in Self.queries() {
            let exact = try store.search(CollectionQuery(tokens: query, mode: .maxSim, topK: 10), in: "c")
            let indexed = try store.search(
                CollectionQuery(tokens: query, mode: .indexed, topK: 10, candidates: 199, probes: 100_000), in: "c")
            #expect(indexed == exact)
        }
        let file = try #require(try CentroidIndexFile.read(path, dimension: Self.dimension))
        #expect(file.index.documentCount == 200)
    }

    @Test func aFileOfAnotherLogStateIsNotUsed() throws {
        // A file written for this log, then the log replaced by a compacted copy behind the
        // store's back (as a crash between compaction's rename and the index's removal could):
        // the inode differs, so the file is refused and rebuilt.
        let directory = try TemporaryDirectory()
        var store: LocalVectorStore? = try Self.store(directory)
        _ = try Self.indexedHits(store!)
        let path = try Self.cache(store!).path
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        try store!.delete(["d0", "d1"], from: "c")
        try store!.compact("c")
        store = nil
        try saved.write(to: URL(fileURLWithPath: path))
        let reopened = try Self.store(directory, create: false)
        _ = try Self.indexedHits(reopened)
        let rebuilt = try #require(try Self.cache(reopened).current)
        #expect(!rebuilt.loadedFromFile && rebuilt.index.documentCount == 298)
    }

    @Test func rebuildIndexTrainsAnewAndReportsIt() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let report = try store.rebuildIndex("c", options: .init(centroids: 16))
        #expect(report.documents == 300 && report.centroids == 16 && report.residentBytes > 0)
        #expect(FileManager.default.fileExists(atPath: report.path))
        let current = try #require(try Self.cache(store).current)
        #expect(current.index.centroidCount == 16)
    }

    @Test func theDefaultModeIsExactBelowTheThresholdAndIndexedAbove() {
        let query = CollectionQuery(tokens: Self.queries()[0], topK: 10)
        #expect(query.resolvedMode(for: .multiVector, documents: CollectionQuery.indexedByDefaultAbove) == .maxSim)
        #expect(query.resolvedMode(for: .multiVector, documents: CollectionQuery.indexedByDefaultAbove + 1) == .indexed)
        #expect(query.resolvedMode(for: .dense, documents: 10_000_000) == .dense)
        var named = query
        named.mode = .maxSim
        #expect(named.resolvedMode(for: .multiVector, documents: 10_000_000) == .maxSim)
    }

    @Test func aSearchThatNeedNotWaitRunsExactlyWhileTheIndexIsBuiltInTheBackground() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let stored = try store.collection("c")
        let snapshot = try stored.snapshot()
        let query = Self.queries()[0]
        // No index yet: nil (the caller searches exactly) and a build starts in the background.
        let first = stored.centroidIndex.candidates(
            for: query, depth: .init(probes: 2, candidates: 40), in: snapshot, admitted: nil, wait: .exact)
        #expect(first == nil)
        var ready = stored.centroidIndex.current
        for _ in 0 ..< 600 where ready == nil {
            Thread.sleep(forTimeInterval: 0.05)
            ready = stored.centroidIndex.current
        }
        #expect(ready != nil)
        let later = stored.centroidIndex.candidates(
            for: query, depth: .init(probes: 2, candidates: 40), in: snapshot, admitted: nil, wait: .exact)
        #expect(later?.isEmpty == false)
        // Through the store: exact results whatever state the index is in.
        let exact = try store.search(CollectionQuery(tokens: query, mode: .maxSim, topK: 10), in: "c")
        let background = try store.searchIndexed(
            query, in: "c", topK: 10, filter: .none, depth: .init(probes: 100_000, candidates: 299, waitForIndex: false))
        #expect(Set(background.map(\.id)) == Set(exact.map(\.id)))
    }
}
