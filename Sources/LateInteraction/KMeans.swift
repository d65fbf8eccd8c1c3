import EmbeddingKernels

/// Spherical k-means for ``CentroidIndex``: vectors are compared by inner product (the
/// collections' vectors are unit length, so it is cosine) and each centroid is the normalised
/// mean of its vectors.
///
/// Deterministic: the initial centroids are rows spread evenly over the sample, so the same
/// collection trains the same index on every run.
enum KMeans {
    /// `centroids` unit-length centroids of `sample` (row-major rows of `dimension`).
    static func train(_ sample: [Float], dimension: Int, centroids count: Int, iterations: Int) -> [Float] {
        let rows = sample.count / dimension
        precondition(rows >= count && count > 0, "k-means of \(count) centroids over \(rows) vectors")
        var centroids = [Float](repeating: 0, count: count * dimension)
        for centroid in 0 ..< count {
            let row = centroid * rows / count
            for i in 0 ..< dimension { centroids[centroid * dimension + i] = sample[row * dimension + i] }
        }
        normalizeRows(&centroids, dimension: dimension)
        for _ in 0 ..< iterations {
            let nearest = self.nearest(sample, rows: rows, centroids: centroids, dimension: dimension)
            var sums = [Float](repeating: 0, count: count * dimension)
            var members = [Int](repeating: 0, count: count)
            for row in 0 ..< rows {
                let centroid = Int(nearest[row])
                members[centroid] += 1
                for i in 0 ..< dimension { sums[centroid * dimension + i] += sample[row * dimension + i] }
            }
            for centroid in 0 ..< count where members[centroid] > 0 {
                // An empty centroid keeps its place: it may win vectors the sample missed.
                for i in 0 ..< dimension { centroids[centroid * dimension + i] = sums[centroid * dimension + i] }
            }
            normalizeRows(&centroids, dimension: dimension)
        }
        return centroids
    }

    /// The nearest centroid (largest inner product; the lower index on a tie) of each row.
    static func nearest(_ vectors: [Float], rows: Int, centroids: [Float], dimension: Int) -> [UInt32] {
        let count = centroids.count / dimension
        var result = [UInt32](repeating: 0, count: rows)
        // A block of rows at a time bounds the score table (block x centroids floats).
        let block = max(1, min(rows, (1 << 22) / max(count, 1)))
        var scores = [Float](repeating: 0, count: block * count)
        var start = 0
        while start < rows {
            let length = min(block, rows - start)
            vectors.withUnsafeBufferPointer { v in
                centroids.withUnsafeBufferPointer { c in
                    scores.withUnsafeMutableBufferPointer { s in
                        MatrixMultiply.gemm(
                            m: length, n: count, k: dimension, a: v.baseAddress! + start * dimension, b: c.baseAddress!,
                            transposeB: true, c: s.baseAddress!)
                    }
                }
            }
            for row in 0 ..< length {
                var best = 0
                var bestScore = scores[row * count]
                for centroid in 1 ..< max(count, 1) where scores[row * count + centroid] > bestScore {
                    best = centroid
                    bestScore = scores[row * count + centroid]
                }
                result[start + row] = UInt32(best)
            }
            start += length
        }
        return result
    }

    private static func normalizeRows(_ values: inout [Float], dimension: Int) {
        values.withUnsafeMutableBufferPointer { buffer in
            for row in 0 ..< buffer.count / dimension {
                VectorMath.normalize(buffer.baseAddress! + row * dimension, count: dimension)
            }
        }
    }
}
