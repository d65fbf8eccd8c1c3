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
    /// parallel worker).
    ///
    /// Tiled so the scores never leave the core's L2 cache: `tileRows` vectors against
    /// `tileCentroids` centroids at a time (1 MiB of scores), each tile reduced by a one-pass
    /// argmax into a running best per row before the next tile overwrites it. The first version
    /// scored up to 16 MiB at once and reduced it in two passes (max, then its index): the
    /// reduction then streamed the table from memory and took 2.6x the sgemm (README.md,
    /// "Indexed search"). Tiles of 512 x 512 keep OpenBLAS's packing of either side at a few
    /// percent of the multiply-adds.
    static func nearest(
        _ vectors: UnsafePointer<Float>, rows: Int, centroids: [Float], dimension: Int, into result: UnsafeMutablePointer<UInt16>
    ) {
        let count = centroids.count / dimension
        guard rows > 0, count > 0 else { return }
        let vectors = SendableConstPointer(vectors), result = SendablePointer(result)
        centroids.withUnsafeBufferPointer { c in
            let c = SendableConstPointer(c.baseAddress!)
            parallelChunks(rows, minimumPerChunk: max(min(rows, tileRows), 64)) { part in
                let height = min(tileRows, part.count), width = min(tileCentroids, count)
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: height * width)
                let bestScore = UnsafeMutablePointer<Float>.allocate(capacity: height)
                let bestIndex = UnsafeMutablePointer<Int>.allocate(capacity: height)
                defer {
                    scores.deallocate()
                    bestScore.deallocate()
                    bestIndex.deallocate()
                }
                var start = part.lowerBound
                while start < part.upperBound {
                    let length = min(height, part.upperBound - start)
                    bestScore.initialize(repeating: -.infinity, count: length)
                    bestIndex.initialize(repeating: 0, count: length)
                    var first = 0
                    while first < count {
                        let span = min(width, count - first)
                        MatrixMultiply.gemm(
                            m: length, n: span, k: dimension, a: vectors.base + start * dimension, lda: dimension,
                            b: c.base + first * dimension, ldb: dimension, transposeB: true, c: scores, ldc: span)
                        for row in 0 ..< length {
                            let found = argmax(scores + row * span, count: span)
                            // Strictly greater: on a tie the earlier tile's (lower) index stays.
                            if found.value > bestScore[row] {
                                bestScore[row] = found.value
                                bestIndex[row] = first + found.index
                            }
                        }
                        first += span
                    }
                    for row in 0 ..< length { result.base[start + row] = UInt16(bestIndex[row]) }
                    start += length
                }
            }
        }
    }

    /// Rows and centroids of one tile of ``nearest(_:rows:centroids:dimension:into:)``.
    static let tileRows = 512
    static let tileCentroids = 512

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

    /// Index and value of the largest of `count` values (the first on a tie; index 0 and -inf
    /// when all are NaN or -inf), in one pass sixteen lanes at a time: each lane keeps its
    /// largest value and where it was (strictly greater replaces, so a lane keeps its first),
    /// and the lanes are reduced at the end to the lowest index among the largest. Assigning
    /// 32 M vectors to thousands of centroids compares ~10^11 scores, which a scalar loop with a
    /// data-dependent branch does several times slower.
    @inline(__always)
    static func argmax(_ values: UnsafePointer<Float>, count: Int) -> (index: Int, value: Float) {
        var best = -Float.infinity
        var bestAt = 0
        var i = 0
        let raw = UnsafeRawPointer(values)
        if count >= 16 {
            var lanes = SIMD16<Float>(repeating: -.infinity)
            var where16 = SIMD16<Int32>(repeating: 0)
            var at = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
            let step = SIMD16<Int32>(repeating: 16)
            while i + 16 <= count {
                let next = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                let greater = next .> lanes
                lanes.replace(with: next, where: greater)
                where16.replace(with: at, where: greater)
                at &+= step
                i += 16
            }
            best = lanes.max()
            if best > -.infinity {
                var lowest = Int32.max
                for lane in 0 ..< 16 where lanes[lane] == best { lowest = min(lowest, where16[lane]) }
                bestAt = Int(lowest)
            }
        }
        while i < count {
            if values[i] > best {
                best = values[i]
                bestAt = i
            }
            i += 1
        }
        return (bestAt, best)
    }

    private static func normalizeRows(_ values: inout [Float], dimension: Int) {
        values.withUnsafeMutableBufferPointer { buffer in
            for row in 0 ..< buffer.count / dimension {
                VectorMath.normalize(buffer.baseAddress! + row * dimension, count: dimension)
            }
        }
    }
}
