import CBLAS

/// Matrix products on OpenBLAS's sgemm. Every matrix is row-major.
public enum MatrixMultiply {
    /// `c[m x n] = alpha * a[m x k] * op(b) + beta * c`, where `op(b)` is `b[k x n]`, or `b[n x k]`
    /// transposed when `transposeB` (the PyTorch `Linear` weight layout `[out, in]`).
    ///
    /// Leading dimensions default to dense rows; pass them to multiply column slices of a wider
    /// matrix (one attention head of a fused QKV projection) without copying.
    @inlinable
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
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha,
            a, blasint(lda ?? k),
            b, blasint(ldb ?? (transposeB ? k : n)),
            beta, c, blasint(ldc ?? n))
    }

    /// `output[rows x out] = input[rows x in] * weight[out x in]^T + bias`: a PyTorch `Linear`.
    ///
    /// The bias is broadcast into the output first and accumulated with `beta = 1`, which costs
    /// one pass over the output instead of a second read-modify-write after the product.
    @inlinable
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
