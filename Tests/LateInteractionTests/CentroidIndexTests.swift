import EmbeddingTesting
@testable import LateInteraction
import Testing

@Suite("Centroid index: MaxSim candidates, then exact re-scoring")
struct CentroidIndexTests {
    /// The exact top `k` and the indexed top `k` (candidates re-scored by MaxSim), as positions.
    static func rankings(
        _ query: MultiVector, _ corpus: EncodedDocuments, index: CentroidIndex, depth: CentroidIndex.Depth, k: Int = 10
    ) throws -> (exact: [ScoredDocument], indexed: [ScoredDocument]) {
        let exact = try MaxSim.search(query, corpus, k: k)
        let candidates = index.candidates(for: query, depth: depth)
        let indexed = candidates.isEmpty ? [] : try MaxSim.search(query, corpus, k: k, indices: candidates)
        return (exact, indexed)
    }

    /// Mean share of the exact top 10 that the indexed top 10 finds.
    static func recall(
        _ queries: [MultiVector], _ corpus: EncodedDocuments, index: CentroidIndex, depth: CentroidIndex.Depth
    ) throws -> Double {
        var found = 0, total = 0
        for query in queries {
            let (exact, indexed) = try rankings(query, corpus, index: index, depth: depth)
            found += Set(exact.map(\.index)).intersection(indexed.map(\.index)).count
            total += exact.count
        }
        return Double(found) / Double(max(total, 1))
    }

    @Test("probing every centroid with a depth covering the collection is exact search, score for score")
    func fullDepthIsExact() throws {
        let documents = (0 ..< 300).map { SyntheticDocuments.vectors(id: "doc-\($0)", dimension: 32, maxVectors: 20) }
        let corpus = try EncodedCorpus(documents, dimension: 32, precision: .float32)
        let index = CentroidIndex(training: corpus.view, options: .init(centroids: 16))
        #expect(index.centroidCount == 16 && index.documentCount == 300)
        let everything = CentroidIndex.Depth(probes: 16, candidates: 300)
        for seed in 0 ..< 5 {
            let query = SyntheticDocuments.vectors(id: "query-\(seed)", dimension: 32, maxVectors: 12)
            #expect(index.candidates(for: query, depth: everything) == Array(0 ..< 300))
            let (exact, indexed) = try Self.rankings(query, corpus.view, index: index, depth: everything)
            #expect(indexed == exact)
        }
    }

    @Test("on a topical corpus, 4 probes and 100 candidates find what exact search finds")
    func topicalRecall() throws {
        let (documents, queries) = TestData.topicalCorpus(documents: 2000, dimension: 64, lengths: 8 ... 24, seed: 7)
        let corpus = try EncodedCorpus(documents, dimension: 64, precision: .float32)
        let index = CentroidIndex(training: corpus.view)
        let recall = try Self.recall(queries, corpus.view, index: index, depth: .init(probes: 4, candidates: 100))
        #expect(recall >= 0.95, "recall@10 \(recall)")
    }

    @Test("on structureless random vectors an index buys little: recall grows with depth, and full depth is exact")
    func randomRecall() throws {
        let documents = (0 ..< 1000).map { SyntheticDocuments.vectors(id: "random-\($0)", dimension: 32, maxVectors: 24) }
        let queries = (0 ..< 20).map { SyntheticDocuments.vectors(id: "random-query-\($0)", dimension: 32, maxVectors: 8) }
        let corpus = try EncodedCorpus(documents, dimension: 32, precision: .float32)
        let index = CentroidIndex(training: corpus.view)
        let shallow = try Self.recall(queries, corpus.view, index: index, depth: .init(probes: 2, candidates: 50))
        let deep = try Self.recall(queries, corpus.view, index: index, depth: .init(probes: 8, candidates: 400))
        let full = try Self.recall(queries, corpus.view, index: index, depth: .init(probes: index.centroidCount, candidates: 1000))
        #expect(shallow < deep, "recall \(shallow) at 2 probes, 50 candidates; \(deep) at 8 probes, 400")
        #expect(full == 1, "recall \(full) with every centroid probed and every document a candidate")
    }

    @Test("the bench's topical corpus has the structure an index needs: 8 probes, 256 candidates find the exact top 10")
    func topicalCorpusRecall() throws {
        let topical = TopicalCorpus(documents: 3000, vectors: 16, queries: 20, queryVectors: 8, dimension: 64)
        let corpus = try EncodedCorpus(topical.documents, dimension: 64, precision: .float32)
        let index = CentroidIndex(training: corpus.view)
        let recall = try Self.recall(topical.queries, corpus.view, index: index, depth: .init(probes: 8, candidates: 256))
        #expect(recall >= 0.95, "recall@10 \(recall)")
    }

    @Test("documents appended after training are found, and a filter keeps candidates among the admitted")
    func appendAndFilter() throws {
        let (documents, _) = TestData.topicalCorpus(documents: 400, dimension: 64, lengths: 8 ... 24, seed: 11)
        let first = try EncodedCorpus(Array(documents[..<200]), dimension: 64, precision: .float32)
        var index = CentroidIndex(training: first.view)
        for document in documents[200...] { index.append(document) }
        #expect(index.documentCount == 400)
        let depth = CentroidIndex.Depth(probes: 4, candidates: 20)
        for position in stride(from: 200, to: 400, by: 25) {
            // A document's own vectors as the query: it must be among its candidates.
            #expect(index.candidates(for: documents[position], depth: depth).contains(position), "document \(position)")
        }
        let admitted = Array(stride(from: 0, to: 400, by: 3))
        let candidates = index.candidates(for: documents[201], depth: depth, admitted: admitted)
        #expect(!candidates.isEmpty && Set(candidates).isSubset(of: admitted))
    }

    @Test("appending one at a time, in bulk, or laying the lists out afresh gives the same codes and candidates")
    func appendedListsMatchAFreshLayout() throws {
        let (documents, queries) = TestData.topicalCorpus(documents: 600, dimension: 32, lengths: 4 ... 12, seed: 13)
        let corpus = try EncodedCorpus(documents, dimension: 32, precision: .float16)
        var single = CentroidIndex(training: try EncodedCorpus(Array(documents[..<100]), dimension: 32, precision: .float16).view, options: .init(centroids: 32))
        var bulk = single
        for position in 100 ..< 600 { single.append(corpus.view.vectors(position)) }
        bulk.append(corpus.view, range: 100 ..< 600)
        #expect(single.codes == bulk.codes && single.codeStarts == bulk.codeStarts && single.documentCount == 600)
        let counts = (0 ..< 600).map { UInt32(single.codeStarts[$0 + 1] - single.codeStarts[$0]) }
        let fresh = CentroidIndex(dimension: 32, centroids: single.centroids, counts: counts, codes: single.codes)
        for query in queries {
            for depth in [CentroidIndex.Depth(probes: 2, candidates: 30), .init(probes: 6, candidates: 200)] {
                let expected = fresh.candidates(for: query, depth: depth)
                #expect(single.candidates(for: query, depth: depth) == expected)
                #expect(bulk.candidates(for: query, depth: depth) == expected)
            }
        }
    }

    @Test("an index file reads back to the same index, and a damaged one is refused")
    func fileRoundTrip() throws {
        let (documents, _) = TestData.topicalCorpus(documents: 200, dimension: 16, lengths: 2 ... 9, seed: 17)
        let corpus = try EncodedCorpus(documents, dimension: 16, precision: .float32)
        let index = CentroidIndex(training: corpus.view, options: .init(centroids: 16))
        let log = CentroidIndexFile.LogState(inode: 42, length: 123_456, tailChecksum: 0xDEAD_BEEF)
        let file = CentroidIndexFile(index: index, sequences: Array(stride(from: 3, to: 603, by: 3)), trainedOn: 200, log: log)
        var bytes = file.encoded()
        let read = try bytes.withUnsafeBytes { try CentroidIndexFile.decode($0, dimension: 16) }
        #expect(read.index.codes == index.codes && read.index.codeStarts == index.codeStarts && read.index.centroids == index.centroids)
        #expect(read.sequences == file.sequences && read.trainedOn == 200 && read.log == log)
        #expect(throws: CentroidIndexFile.Unusable.self) { try bytes.withUnsafeBytes { try CentroidIndexFile.decode($0, dimension: 32) } }
        bytes[bytes.count / 2] ^= 1
        #expect(throws: CentroidIndexFile.Unusable.self) { try bytes.withUnsafeBytes { try CentroidIndexFile.decode($0, dimension: 16) } }
        #expect(throws: CentroidIndexFile.Unusable.self) {
            try Array(bytes.prefix(100)).withUnsafeBytes { try CentroidIndexFile.decode($0, dimension: 16) }
        }
    }

    @Test("the argmax of the assignment is the first largest value, at every length and position")
    func argmaxIsTheFirstLargest() {
        var generator = SeededGenerator(state: 5)
        for length in [1, 7, 16, 17, 33, 100, 4096] {
            var values = (0 ..< length).map { _ in Float.random(in: -1 ... 1, using: &generator) }
            let expected = values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }!
            #expect(values.withUnsafeBufferPointer { KMeans.argmax($0.baseAddress!, count: length).index } == expected, "length \(length)")
            values[length - 1] = values[expected]
            #expect(values.withUnsafeBufferPointer { KMeans.argmax($0.baseAddress!, count: length).index } == expected, "tie, length \(length)")
        }
    }

    @Test("the tiled assignment gives every vector its first best centroid, across row and centroid tiles")
    func tiledNearestIsTheFirstBest() {
        // Small integer coordinates: every inner product is exact whatever the summation order,
        // so the reference's scores equal sgemm's and ties are real ties.
        var generator = SeededGenerator(state: 11)
        let dimension = 8, rows = KMeans.tileRows + 77, count = KMeans.tileCentroids * 2 + 13
        let vectors = (0 ..< rows * dimension).map { _ in Float(Int.random(in: -2 ... 2, using: &generator)) }
        var centroids = (0 ..< count * dimension).map { _ in Float(Int.random(in: -2 ... 2, using: &generator)) }
        // A centroid of the last tile repeats one of the first: ties across tiles keep the lower.
        for i in 0 ..< dimension { centroids[(count - 1) * dimension + i] = centroids[5 * dimension + i] }
        let found = KMeans.nearest(vectors, rows: rows, centroids: centroids, dimension: dimension)
        var expected: [UInt16] = []
        for row in 0 ..< rows {
            var best = -Float.infinity, bestAt = 0
            for c in 0 ..< count {
                var dot: Float = 0
                for i in 0 ..< dimension { dot += vectors[row * dimension + i] * centroids[c * dimension + i] }
                if dot > best {
                    best = dot
                    bestAt = c
                }
            }
            expected.append(UInt16(bestAt))
        }
        #expect(found == expected)
        #expect(!found.contains(UInt16(count - 1)), "the repeated centroid never wins over its first copy")
    }

    @Test("stage 2's depth: refine when given, else 8 x candidates (at least 1,024), never below candidates")
    func refineDepth() {
        #expect(CentroidIndex.Depth(probes: 8, candidates: 256).resolvedRefine == 2048)
        #expect(CentroidIndex.Depth(probes: 8, candidates: 16).resolvedRefine == 1024)
        #expect(CentroidIndex.Depth(probes: 8, candidates: 256, refine: 16_384).resolvedRefine == 16_384)
        #expect(CentroidIndex.Depth(probes: 8, candidates: 256, refine: 10).resolvedRefine == 256)
    }

    @Test("the automatic centroid count is a power of two near 4 sqrt(N), within [8, 65536]")
    func automaticCount() {
        #expect(CentroidIndex.automaticCentroidCount(vectors: 0) == 8)
        #expect(CentroidIndex.automaticCentroidCount(vectors: 1_000_000) == 2048)
        #expect(CentroidIndex.automaticCentroidCount(vectors: 1 << 40) == 65_536)
    }

    @Test("the automatic centroid count keeps the assignment within its budget: 1,024 at 1 M x 32 x 384, 4,096 at 128-d")
    func automaticCountIsCappedByBuildCost() {
        #expect(CentroidIndex.automaticCentroidCount(vectors: 32_000_000, dimension: 384) == 1024)
        #expect(CentroidIndex.automaticCentroidCount(vectors: 32_000_000, dimension: 128) == 4096)
        // Small collections are under the budget: the rule alone decides.
        #expect(CentroidIndex.automaticCentroidCount(vectors: 1_000_000, dimension: 384) == 2048)
        #expect(CentroidIndex.automaticCentroidCount(vectors: 1 << 40, dimension: 1) == 16)
    }
}
