import CBLAS

/// Matrix products on OpenBLAS's sgemm. Every matrix is row-major.
public enum MatrixMultiply {
    /// `c[m x n] = alpha * a[m x k] * op(b) + beta * c`, where `op(b)` is `b[k x n]`, or `b[n x k]`
    /// transposed when `transposeB` (the PyTorch `Linear` weight layout `[out, in]`).
    ///
    /// Leading dimensions default to dense rows; pass them to multiply column slices of a wider
    /// matrix (one attention head of a fused QKV projection) without copying.
    public static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C untouched for k = 0 only when beta = 1; make the result explicit.
            for row in 0..<m {
                let line = c + row * (ldc ?? n)
                for column in 0..<n { line[column] = beta == 0 ? 0 : beta * line[column] }
            }
            return
        }
        _ = BLASThreading.configured
        let lda = lda ?? k, ldb = ldb ?? (transposeB ? k : n), ldc = ldc ?? n
        // Split the product ourselves (rows of C, or columns when C is short and wide) rather
        // than letting OpenBLAS thread it: its idle workers spin for milliseconds after each call
        // and would fight our own parallel kernels for the two cores. Each element of C gets the
        // same arithmetic however C is split.
        let splitRows = m >= n
        let extent = splitRows ? m : n
        let work = m * n * k
        let a = SendableConstPointer(a), b = SendableConstPointer(b), c = SendablePointer(c)
        parallelChunks(extent, minimumPerChunk: work >= 1 << 20 ? 16 : extent) { part in
            if splitRows {
                blockedSgemm(
                    m: part.count, n: n, k: k, alpha: alpha, a: a.base + part.lowerBound * lda, lda: lda,
                    b: b.base, ldb: ldb, transposeB: transposeB, beta: beta, c: c.base + part.lowerBound * ldc, ldc: ldc)
            } else {
                let columns = transposeB ? b.base + part.lowerBound * ldb : b.base + part.lowerBound
                blockedSgemm(
                    m: m, n: part.count, k: k, alpha: alpha, a: a.base, lda: lda,
                    b: columns, ldb: ldb, transposeB: transposeB, beta: beta, c: c.base + part.lowerBound, ldc: ldc)
            }
        }
    }

    /// Largest `m·n·k` that OpenBLAS may hand to its small-matrix kernel (0.3.x on its AVX-512
    /// targets, built with SMALL_MATRIX_OPT, takes it up to 100³; measured on Zen 4: up to
    /// 10⁶ without transposing B, about half that with).
    static let smallMatrixWork = 1_000_000

    /// One single-threaded sgemm on OpenBLAS's blocked kernel, never its small-matrix kernel.
    ///
    /// Why: the small-matrix kernel sums in another order than the blocked one, so a row of C
    /// got other last bits when few rows shared its call: an embedding then depended on which
    /// other inputs shared its batch, and on how the batch was split across cores (the server
    /// runs a lone input on both cores and a busy one's on one). The blocked kernel's rows do
    /// not depend on how many rows a call has, so a call under the threshold is padded with zero
    /// rows past it; such calls are tiny, and the copies cost far less than the product.
    static func blockedSgemm(
        m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let transB = transposeB ? CblasTrans : CblasNoTrans
        guard m * n * k <= smallMatrixWork else {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, transB, blasint(m), blasint(n), blasint(k), alpha,
                a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
            return
        }
        let rows = smallMatrixWork / (n * k) + 1
        let paddedA = UnsafeMutablePointer<Float>.allocate(capacity: rows * k)
        let paddedC = UnsafeMutablePointer<Float>.allocate(capacity: rows * n)
        defer {
            paddedA.deallocate()
            paddedC.deallocate()
        }
        paddedA.initialize(repeating: 0, count: rows * k)
        paddedC.initialize(repeating: 0, count: rows * n)
        for row in 0 ..< m {
            (paddedA + row * k).update(from: a + row * lda, count: k)
            if beta != 0 { (paddedC + row * n).update(from: c + row * ldc, count: n) }
        }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transB, blasint(rows), blasint(n), blasint(k), alpha,
            paddedA, blasint(k), b, blasint(ldb), beta, paddedC, blasint(n))
        for row in 0 ..< m {
            (c + row * ldc).update(from: paddedC + row * n, count: n)
        }
    }

    /// How a `Linear` weight is laid out in memory.
    public enum WeightLayout: Sendable {
        /// `[out, in]`, as PyTorch stores it: the product reads it transposed.
        case outputsByInputs
        /// `[in, out]`: the product reads it as is.
        ///
        /// The layout to keep weights in for speed. OpenBLAS repacks the weight on every call,
        /// and from this layout it copies contiguous runs of output columns, where `[out, in]`
        /// makes it gather across rows: on Zen 4 (Cooperlake kernels) packing ViT-B/32's fc2
        /// weight costs about 40% less this way, and packing is 6% of the vision tower's time.
        case inputsByOutputs
    }

    /// `output[rows x out] = input[rows x in] * W + bias`, where `W` is the `in x out` matrix of
    /// a PyTorch `Linear`, stored as `weightLayout` says.
    ///
    /// The bias is broadcast into the output first and accumulated with `beta = 1`, which costs
    /// one pass over the output instead of a second read-modify-write after the product.
    public static func linear(
        input: UnsafePointer<Float>, rows: Int, inFeatures: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures: Int,
        output: UnsafeMutablePointer<Float>, weightLayout: WeightLayout = .outputsByInputs
    ) {
        if let bias {
            for row in 0..<rows {
                (output + row * outFeatures).update(from: bias, count: outFeatures)
            }
        }
        gemm(
            m: rows, n: outFeatures, k: inFeatures, a: input, b: weight,
            transposeB: weightLayout == .outputsByInputs, c: output, beta: bias == nil ? 0 : 1)
    }

    /// `target[columns x rows] = source[rows x columns]ᵀ`, in square tiles so both sides stay
    /// in cache (a model's weights are transposed once, at load).
    public static func transpose(
        _ source: UnsafePointer<Float>, rows: Int, columns: Int, into target: UnsafeMutablePointer<Float>
    ) {
        let tile = 32
        for rowStart in stride(from: 0, to: rows, by: tile) {
            let rowEnd = min(rowStart + tile, rows)
            for columnStart in stride(from: 0, to: columns, by: tile) {
                let columnEnd = min(columnStart + tile, columns)
                for row in rowStart ..< rowEnd {
                    var from = source + (row &* columns &+ columnStart)
                    var to = target + (columnStart &* rows &+ row)
                    for _ in columnStart ..< columnEnd {
                        to.pointee = from.pointee
                        from += 1
                        to += rows
                    }
                }
            }
        }
    }

    /// A transposed copy of a `rows x columns` row-major matrix.
    public static func transposed(_ source: [Float], rows: Int, columns: Int) -> [Float] {
        precondition(source.count == rows * columns, "matrix is not \(rows) x \(columns)")
        guard !source.isEmpty else { return [] }
        return [Float](unsafeUninitializedCapacity: source.count) { target, initialised in
            source.withUnsafeBufferPointer { transpose($0.baseAddress!, rows: rows, columns: columns, into: target.baseAddress!) }
            initialised = source.count
        }
    }
}

/// OpenBLAS runs single-threaded per call; ``MatrixMultiply`` and the encoders split work
/// across cores themselves (see ``MatrixMultiply/gemm(m:n:k:a:lda:b:ldb:transposeB:c:ldc:alpha:beta:)``).
enum BLASThreading {
    static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()
}
