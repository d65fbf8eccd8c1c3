import EmbeddingKernels

/// Shrinks a document's vectors before storage, trading quality for space and search time.
///
/// `pooled(factor:)` clusters the vectors into `max(1, count / factor)` groups by cosine and keeps
/// each group's mean, L2-normalised: the idea of PyLate/ColBERT token pooling (neighbouring
/// patches and repeated tokens are near-duplicates, so their mean loses little). PyLate builds
/// the clusters with Ward hierarchical clustering, which is cubic in the vector count; we use
/// spherical k-means from evenly spaced seeds (deterministic, a fixed number of rounds, each one
/// sgemm), which is fast enough to run at ingest for 1000-patch pages. Measured effect on
/// ranking: README.md.
public enum TokenPooling {
    /// Rounds of assignment and re-centring; the assignment rarely changes after five.
    static let rounds = 8

    /// The document pooled by `factor` (1 keeps it as is).
    public static func pooled(_ vectors: MultiVector, factor: Int) throws(LateInteractionError) -> MultiVector {
        guard factor >= 1 else { throw .invalidArgument("pool factor must be at least 1, got \(factor)") }
        let n = vectors.count, d = vectors.dimension
        let clusters = max(1, n / factor)
        guard factor > 1, clusters < n else { return vectors }
        // Seeds: every (n / clusters)-th vector, so clusters start spread over the document.
        var centroids = [Float](repeating: 0, count: clusters * d)
        for c in 0 ..< clusters {
            let source = c * n / clusters
            for k in 0 ..< d { centroids[c * d + k] = vectors.values[source * d + k] }
        }
        var assignment = [Int](repeating: 0, count: n)
        var similarities = [Float](repeating: 0, count: n * clusters)
        for _ in 0 ..< rounds {
            vectors.values.withUnsafeBufferPointer { v in
                centroids.withUnsafeBufferPointer { c in
                    similarities.withUnsafeMutableBufferPointer { s in
                        MatrixMultiply.gemm(m: n, n: clusters, k: d, a: v.baseAddress!, b: c.baseAddress!, transposeB: true, c: s.baseAddress!)
                    }
                }
            }
            for i in 0 ..< n {
                var best = 0
                for c in 1 ..< clusters where similarities[i * clusters + c] > similarities[i * clusters + best] { best = c }
                assignment[i] = best
            }
            var sums = [Float](repeating: 0, count: clusters * d)
            var sizes = [Int](repeating: 0, count: clusters)
            for i in 0 ..< n {
                sizes[assignment[i]] += 1
                for k in 0 ..< d { sums[assignment[i] * d + k] += vectors.values[i * d + k] }
            }
            // An emptied cluster keeps its old centroid for the next round.
            for c in 0 ..< clusters where sizes[c] > 0 {
                sums.withUnsafeMutableBufferPointer { VectorMath.normalize($0.baseAddress! + c * d, count: d) }
                for k in 0 ..< d { centroids[c * d + k] = sums[c * d + k] }
            }
        }
        // Final means of the clusters that hold vectors, in order of first member.
        var order: [Int] = []
        var seen = Set<Int>()
        for c in assignment where seen.insert(c).inserted { order.append(c) }
        var result: [Float] = []
        result.reserveCapacity(order.count * d)
        for c in order {
            var mean = [Float](repeating: 0, count: d)
            for i in 0 ..< n where assignment[i] == c { for k in 0 ..< d { mean[k] += vectors.values[i * d + k] } }
            result += VectorMath.normalized(mean)
        }
        return MultiVector(unchecked: d, result)
    }
}
