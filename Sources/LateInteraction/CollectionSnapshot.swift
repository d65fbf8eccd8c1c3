import EmbeddingKernels

/// The live documents of a collection at one moment, in insertion order: what a search scores,
/// taken under the collection's lock and used outside it. Positions are stable within a snapshot.
struct CollectionSnapshot: Sendable {
    let ids: [String]
    /// Token vectors, still in the log's memory map.
    let documents: EncodedDocuments
    let metadata: [[String: String]]
    /// Pooled vectors, row `i` for document `i` (zeros where it has none), `dimension` wide.
    let pooled: [Float]
    /// L2 norm of each pooled row, for cosine (0 where there is none).
    let pooledNorms: [Float]
    let hasPooled: [Bool]
    /// Each document's place in the log's order, ascending: what an index built from an
    /// earlier snapshot knows a document by.
    let sequences: [Int]
    /// Which numbering of ``sequences`` (a compaction renumbers them).
    let generation: Int
    /// Bytes of the log this snapshot reads (its records end there): the log state a persisted
    /// index built from it covers.
    let logLength: Int

    var count: Int { ids.count }

    /// Positions `filter` admits, or nil when it admits every document.
    func admitted(by filter: DocumentFilter) -> [Int]? {
        if filter.admitsEverything { return nil }
        return ids.indices.filter { filter.admits(id: ids[$0], metadata: metadata[$0]) }
    }

    /// Dense similarity of `query` (already L2-normalised) to the pooled vector of each of
    /// `positions`, in order. Accumulated in double per row, so a document's score never depends
    /// on which others are scored with it.
    func pooledScores(_ query: [Float], positions: [Int], metric: DenseMetric) -> [Float] {
        let dimension = documents.dimension
        return query.withUnsafeBufferPointer { q in
            pooled.withUnsafeBufferPointer { rows in
                positions.map { position in
                    let dot = VectorMath.dot(q.baseAddress!, rows.baseAddress! + position * dimension, count: dimension)
                    switch metric {
                    case .dot: return Float(dot)
                    case .cosine:
                        let norm = pooledNorms[position]
                        return norm > 0 ? Float(dot / Double(norm)) : 0
                    }
                }
            }
        }
    }
}
