import EmbeddingKernels

/// Spherical k-means for ``CentroidIndex``: vectors are compared by inner product (the
/// collections' vectors are unit length, so it is cosine) and each centroid is the normalised
/// mean of its vectors.
///
/// Deterministic: the initial centroids are rows spread evenly over the sample, so the same
/// collection trains the same index on every run.
enum KMeans {
    /// Most centroids an index has: codes are stored as `UInt16`.
    static let maximumCentroids = 65_536

    /// `centroids` unit-length centroids of `sample` (row-major rows of `dimension`).
    static func train(_ sample: [Float], dimension: Int, centroids count: Int, iterations: Int) -> [Float] {
        let rows = sample.count / dimension
        precondition(rows >= count && count > 0 && count <= maximumCentroids, "k-means of \(count) centroids over \(rows) vectors")
        var centroids = [Float](repeating: 0, count: count * dimension)
        for centroid in 0 ..< count {
            let row = centroid * rows / count
            for i in 0 ..< dimension { centroids[centroid * dimension + i] = sample[row * dimension + i] }
        }
        normalizeRows(&centroids, dimension: dimension)
        var nearest = [UInt16](repeating: 0, count: rows)
        for _ in 0 ..< iterations {
            sample.withUnsafeBufferPointer { s in
                nearest.withUnsafeMutableBufferPointer { n in
                    self.nearest(s.baseAddress!, rows: rows, centroids: centroids, dimension: dimension, into: n.baseAddress!)
                }
            }
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

    /// The nearest centroid (largest inner product; the lower index on a tie) of each of `rows`
    /// vectors, written to `result`. Both cores share the rows (inline when already inside a
    /// parallel worker); a block of rows at a time bounds the score table to 16 MiB.
    static func nearest(
        _ vectors: UnsafePointer<Float>, rows: Int, centroids: [Float], dimension: Int, into result: UnsafeMutablePointer<UInt16>
    ) {
        let count = centroids.count / dimension
        guard rows > 0, count > 0 else { return }
        let block = max(1, min(rows, (1 << 22) / count))
        let vectors = SendableConstPointer(vectors), result = SendablePointer(result)
        centroids.withUnsafeBufferPointer { c in
            let c = SendableConstPointer(c.baseAddress!)
            parallelChunks(rows, minimumPerChunk: max(block, 64)) { part in
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: min(block, part.count) * count)
                defer { scores.deallocate() }
                var start = part.lowerBound
                while start < part.upperBound {
                    let length = min(block, part.upperBound - start)
                    MatrixMultiply.gemm(
                        m: length, n: count, k: dimension, a: vectors.base + start * dimension, b: c.base, transposeB: true, c: scores)
                    for row in 0 ..< length { result.base[start + row] = UInt16(argmax(scores + row * count, count: count)) }
                    start += length
                }
            }
        }
    }

    /// The nearest centroid of each row of `vectors`, as ``nearest(_:rows:centroids:dimension:into:)``.
    static func nearest(_ vectors: [Float], rows: Int, centroids: [Float], dimension: Int) -> [UInt16] {
        var result = [UInt16](repeating: 0, count: rows)
        vectors.withUnsafeBufferPointer { v in
            result.withUnsafeMutableBufferPointer { r in
                nearest(v.baseAddress!, rows: rows, centroids: centroids, dimension: dimension, into: r.baseAddress!)
            }
        }
        return result
    }

    /// Index of the largest of `count` values (the first on a tie), sixteen lanes at a time:
    /// assigning 32 M vectors to thousands of centroids compares ~10^11 scores, which a scalar
    /// loop with a data-dependent branch does several times slower.
    @inline(__always)
    static func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
        var best = -Float.infinity
        var i = 0
        let raw = UnsafeRawPointer(values)
        if count >= 16 {
            var lanes = SIMD16<Float>(repeating: -.infinity)
            while i + 16 <= count {
                lanes = pointwiseMax(lanes, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
                i += 16
            }
            best = lanes.max()
        }
        for j in i ..< count where values[j] > best { best = values[j] }
        let target = SIMD16<Float>(repeating: best)
        i = 0
        while i + 16 <= count {
            let equal = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) .== target
            if any(equal) {
                for lane in 0 ..< 16 where equal[lane] { return i + lane }
            }
            i += 16
        }
        while i < count, values[i] != best { i += 1 }
        return min(i, count - 1)
    }

    private static func normalizeRows(_ values: inout [Float], dimension: Int) {
        values.withUnsafeMutableBufferPointer { buffer in
            for row in 0 ..< buffer.count / dimension {
                VectorMath.normalize(buffer.baseAddress! + row * dimension, count: dimension)
            }
        }
    }
}
