import EmbeddingKernels

/// One worker's MaxSim over a list of documents, in bounded memory.
///
/// Each document is multiplied on its own: a chunk of at most ``chunkVectors`` of its vectors
/// `[n x d]` times the query transposed (`gemm` with `transposeB`, giving `[n x m]`), then a
/// running max per query vector over the chunk's rows and the sum of the maxima over query
/// vectors, in query order, in float32. The document is sgemm's A: OpenBLAS then packs the long
/// operand once, 1.6x faster than query x document^T at 20 x 1030 x 128. Chunks are decoded from
/// storage into a fixed scratch block, so memory per worker is one chunk of vectors and one
/// chunk of products, whatever the corpus size.
///
/// Why not one product over a block of several documents: OpenBLAS's sgemm does not give an
/// output element the same bits wherever its column sits (small-matrix and edge kernels differ by
/// an ulp; measured by `scoresAreBitEqualAcrossBlockingsAndOrders`). Multiplying each document
/// alone, in chunks fixed by its own length, makes its score a function of the query and its own
/// vectors only, so batch composition and order can never change a result (colpali-engine
/// issue 274). There is no padding, so nothing is ever scored as a zero similarity.
struct MaxSimBlock {
    /// Vectors per product: a ColPali page (1030 patches) in one call; 2048 x 128-d floats is
    /// 1 MiB of scratch. Fixed (not a tuning knob) because chunking is part of a score's identity.
    static let chunkVectors = 2048

    let query: UnsafePointer<Float>
    let queryCount: Int
    let documents: EncodedDocuments
    private var block: [Float]
    private var products: [Float]
    private var best: [Float]

    init(query: UnsafePointer<Float>, queryCount: Int, documents: EncodedDocuments) {
        self.query = query
        self.queryCount = queryCount
        self.documents = documents
        let longest = min(Self.chunkVectors, documents.slots.lazy.map(\.count).max() ?? 1)
        block = [Float](repeating: 0, count: longest * documents.dimension)
        products = [Float](repeating: 0, count: longest * queryCount)
        best = [Float](repeating: 0, count: queryCount)
    }

    /// Scores `indices[i]` into `scores[i - indices.startIndex]`.
    mutating func score(_ indices: ArraySlice<Int>, into scores: UnsafeMutablePointer<Float>) {
        for (position, index) in zip(indices.indices, indices) {
            scores[position - indices.startIndex] = score(documents.slots[index])
        }
    }

    /// One document's MaxSim.
    mutating func score(_ slot: DocumentSlot) -> Float {
        let m = queryCount, d = documents.dimension
        let source = documents.base + slot.offset
        let precision = documents.precision
        for row in 0 ..< m { best[row] = -.infinity }
        var start = 0
        while start < slot.count {
            let n = min(Self.chunkVectors, slot.count - start)
            block.withUnsafeMutableBufferPointer { b in
                products.withUnsafeMutableBufferPointer { c in
                    // Every precision, float32 included, is decoded (copied) into the scratch
                    // block first: measured 10-20% faster than multiplying float32 in place,
                    // since the chunk then sits aligned in cache for OpenBLAS's packing.
                    VectorCodec.decode(
                        source, count: slot.count, dimension: d, precision: precision,
                        rows: start ..< start + n, into: b.baseAddress!)
                    let vectors = UnsafePointer(b.baseAddress!)
                    // products[n x m] = vectors[n x d] * query^T: the document is OpenBLAS's A.
                    MatrixMultiply.gemm(m: n, n: m, k: d, a: vectors, b: query, transposeB: true, c: c.baseAddress!)
                    best.withUnsafeMutableBufferPointer { best in
                        for j in 0 ..< n {
                            let row = c.baseAddress! + j * m
                            for i in 0 ..< m { best[i] = max(best[i], row[i]) }
                        }
                    }
                }
            }
            start += n
        }
        var sum: Float = 0
        for row in 0 ..< m { sum += best[row] }
        return sum
    }
}

/// The maximum of a run of floats, sixteen lanes at a time (max is exact, so lane order cannot
/// change the result).
enum RowMax {
    @inline(__always)
    static func of(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var i = 0
        var result: Float = -.infinity
        if count >= 16 {
            let raw = UnsafeRawPointer(values)
            var lanes = SIMD16<Float>(repeating: -.infinity)
            while i + 16 <= count {
                lanes = pointwiseMax(lanes, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
                i += 16
            }
            result = lanes.max()
        }
        while i < count {
            result = max(result, values[i])
            i += 1
        }
        return result
    }
}
