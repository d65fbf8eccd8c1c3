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
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(part.count), blasint(n), blasint(k), alpha,
                    a.base + part.lowerBound * lda, blasint(lda), b.base, blasint(ldb),
                    beta, c.base + part.lowerBound * ldc, blasint(ldc))
            } else {
                let columns = transposeB ? b.base + part.lowerBound * ldb : b.base + part.lowerBound
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(part.count), blasint(k), alpha,
                    a.base, blasint(lda), columns, blasint(ldb),
                    beta, c.base + part.lowerBound, blasint(ldc))
            }
        }
    }

    /// `output[rows x out] = input[rows x in] * weight[out x in]^T + bias`: a PyTorch `Linear`.
    ///
    /// The bias is broadcast into the output first and accumulated with `beta = 1`, which costs
    /// one pass over the output instead of a second read-modify-write after the product.
    public static func linear(
        input: UnsafePointer<Float>, rows: Int, inFeatures: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        if let bias {
            for row in 0..<rows {
                (output + row * outFeatures).update(from: bias, count: outFeatures)
            }
        }
        gemm(
            m: rows, n: outFeatures, k: inFeatures, a: input, b: weight, transposeB: true,
            c: output, beta: bias == nil ? 0 : 1)
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
