import EmbeddingKernels

/// Late-interaction scoring, `score(q, d) = Σ_i max_j <q_i, d_j>` (ColBERT, colpali-engine,
/// PyLate), over documents stored at any ``StoragePrecision``.
///
/// Work is split across cores by document (``parallelChunks`` workers claiming batches from a
/// ``WorkQueue``); each worker owns a fixed scratch block (``MaxSimBlock``), so memory stays
/// bounded whatever the corpus size and the only per-document allocation is one float for its
/// score. Queries are never padded and scores are never length-normalised.
public enum MaxSim {
    /// Options of a top-k search.
    public struct SearchOptions: Sendable {
        /// Binary documents: how many Hamming-pass candidates are re-scored in float16 (at least
        /// `k`). Nil means `max(100, 10 * k)`; see README.md for the recall it buys.
        public var rescoreCandidates: Int?
        public init(rescoreCandidates: Int? = nil) {
            self.rescoreCandidates = rescoreCandidates
        }
    }

    /// The MaxSim score of `query` against each of `indices` (all documents when nil), in order.
    /// Binary documents are scored exactly on their float16 copy here; only ``search`` uses the
    /// Hamming pass.
    public static func scores(
        _ query: MultiVector, _ documents: EncodedDocuments, indices: [Int]? = nil
    ) throws(LateInteractionError) -> [Float] {
        try check(query, documents)
        let indices = indices ?? Array(0 ..< documents.count)
        var result = [Float](repeating: 0, count: indices.count)
        let total = indices.reduce(0) { $0 + documents.slots[$1].count }
        // One worker per 4096 vectors at most: less work does not amortise a thread hop.
        let workers = max(1, min(ComputeThreads.count, total / 4096))
        let queue = WorkQueue(count: indices.count, workers: workers)
        query.values.withUnsafeBufferPointer { q in
            result.withUnsafeMutableBufferPointer { out in
                let q = SendableConstPointer(q.baseAddress!), out = SendablePointer(out.baseAddress!)
                parallelChunks(workers) { _ in
                    let worker = MaxSimBlock(query: q.base, queryCount: query.count, documents: documents)
                    while let batch = queue.claim() {
                        for position in batch { out.base[position] = worker.score(documents.slots[indices[position]]) }
                    }
                }
            }
        }
        return result
    }

    /// The `k` best documents of `indices` (all when nil) for `query`, best first; `index` in the
    /// results is the document's position in `documents`.
    public static func search(
        _ query: MultiVector, _ documents: EncodedDocuments, k: Int, indices: [Int]? = nil, options: SearchOptions = .init()
    ) throws(LateInteractionError) -> [ScoredDocument] {
        guard k > 0 else { throw .invalidTopK(k) }
        try check(query, documents)
        let indices = indices ?? Array(0 ..< documents.count)
        var candidates = indices
        if documents.precision == .binary {
            let depth = max(k, options.rescoreCandidates ?? max(100, 10 * k))
            if depth < indices.count {
                let rough = hammingScores(query, documents, indices: indices)
                candidates = best(rough, of: indices, k: depth).map(\.index)
            }
        }
        let exact = try scores(query, documents, indices: candidates)
        return best(exact, of: candidates, k: k)
    }

    /// Hamming-pass scores of binary documents, in the order of `indices`.
    static func hammingScores(_ query: MultiVector, _ documents: EncodedDocuments, indices: [Int]) -> [Float] {
        let signs = VectorCodec.signWords(query)
        var result = [Float](repeating: 0, count: indices.count)
        let workers = indices.count >= 64 ? ComputeThreads.count : 1
        let queue = WorkQueue(count: indices.count, workers: workers)
        signs.withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { out in
                let s = SendableConstPointer(s.baseAddress!), out = SendablePointer(out.baseAddress!)
                parallelChunks(workers) { _ in
                    while let batch = queue.claim() {
                        for position in batch {
                            out.base[position] = HammingMaxSim.score(
                                querySigns: s.base, queryCount: query.count, documents: documents, index: indices[position])
                        }
                    }
                }
            }
        }
        return result
    }

    /// Name of the MaxSim kernels this CPU runs ("avx512" or "portable"), for benchmarks.
    public static var kernelName: String { MaxSimBlock.kernelName }

    private static func best(_ scores: [Float], of indices: [Int], k: Int) -> [ScoredDocument] {
        var top = TopK(k)
        for (score, index) in zip(scores, indices) { top.insert(ScoredDocument(index: index, score: score)) }
        return top.sorted()
    }

    private static func check(_ query: MultiVector, _ documents: EncodedDocuments) throws(LateInteractionError) {
        guard query.dimension == documents.dimension else {
            throw .dimensionMismatch(context: "query", expected: documents.dimension, actual: query.dimension)
        }
    }
}
