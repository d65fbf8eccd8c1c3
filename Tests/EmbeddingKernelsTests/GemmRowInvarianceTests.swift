import EmbeddingTesting
import Testing
@testable import EmbeddingKernels

/// What OpenBLAS promises about a row of ``MatrixMultiply/gemm``, on the kernels it runs here.
///
/// Nothing an embedding depends on runs on OpenBLAS any more (the `Linear` layers run on
/// ``PackedWeight``, whose rows are invariant by construction: see ``PackedWeightTests``), but
/// token pooling does, and `MULTIEMBED_LINEAR=openblas` puts the layers back on it. Its blocked
/// AVX-512 kernels (SkylakeX, Cooperlake) give a row the same bits whatever
/// the number of rows in the call, once ``MatrixMultiply/blockedSgemm`` keeps tiny calls off the
/// small-matrix kernel. Its AVX2 kernels (Haswell, Zen) and generic SSE kernels (Prescott, which
/// Debian's 0.3.21 picks on CPUs it does not know) sum the rows of a partial tile in another
/// order (measured on Zen 4 with OPENBLAS_CORETYPE=Haswell: rows of m = 1 to 17 differ in their last bits), so there a
/// row agrees only to within rounding. Each is tested as what it is.
@Suite struct GemmRowInvarianceTests {
    static let runtime = BLASRuntime.current()
    /// Whether the kernels OpenBLAS runs are ones whose rows are bit-invariant.
    static let rowsAreExact = BLASRuntime.instructionSet(ofCore: runtime.coreName) == .avx512

    @Test(arguments: [(384, 384), (192, 384), (1152, 384), (384, 1536), (64, 64), (768, 768)])
    func rowsComputedAloneEqualRowsOfALargeProduct(shape: (n: Int, k: Int)) {
        var generator = SeededGenerator(state: UInt64(shape.n * 31 + shape.k))
        let largest = 96
        let a = (0 ..< largest * shape.k).map { _ in Float.random(in: -1 ... 1, using: &generator) }
        let b = (0 ..< shape.n * shape.k).map { _ in Float.random(in: -1 ... 1, using: &generator) }
        for transposeB in [false, true] {
            let reference = product(a, b, m: largest, n: shape.n, k: shape.k, transposeB: transposeB)
            for m in [1, 2, 3, 5, 8, 13, 17] {
                let small = product(a, b, m: m, n: shape.n, k: shape.k, transposeB: transposeB)
                let context = "m=\(m) n=\(shape.n) k=\(shape.k) transposeB=\(transposeB) on \(Self.runtime.coreName)"
                if Self.rowsAreExact {
                    let differing = zip(small, reference).filter { $0.bitPattern != $1.bitPattern }.count
                    #expect(differing == 0, "\(context): \(differing) elements differ")
                } else {
                    let worst = worstErrorOverBound(small, reference, a, b, m: m, n: shape.n, k: shape.k, transposeB: transposeB)
                    #expect(worst <= 1, "\(context): \(worst) of the rounding bound")
                }
            }
        }
    }

    @Test func theBiasIsKeptWhenASmallProductIsPadded() {
        let (m, n, k) = (2, 8, 8)
        let a = (0 ..< m * k).map { Float($0 % 5) - 2 }
        let b = (0 ..< k * n).map { Float($0 % 3) - 1 }
        var c = [Float](repeating: 10, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    MatrixMultiply.gemm(m: m, n: n, k: k, a: a.baseAddress!, b: b.baseAddress!, transposeB: false, c: c.baseAddress!, beta: 1)
                }
            }
        }
        for row in 0 ..< m {
            for column in 0 ..< n {
                let expected = 10 + (0 ..< k).reduce(Float(0)) { $0 + a[row * k + $1] * b[$1 * n + column] }
                #expect(c[row * n + column] == expected)  // small integers: exact in any order
            }
        }
    }

    /// The largest difference between the two products' first `m` rows, as a fraction of the
    /// bound any summation order keeps two float32 dot products within: 2·k·ε·Σ|aᵢbᵢ|.
    private func worstErrorOverBound(
        _ small: [Float], _ reference: [Float], _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeB: Bool
    ) -> Float {
        var worst: Float = 0
        for row in 0 ..< m {
            for column in 0 ..< n {
                var magnitude: Float = 0
                for p in 0 ..< k { magnitude += abs(a[row * k + p] * (transposeB ? b[column * k + p] : b[p * n + column])) }
                let bound = 2 * Float(k) * Float.ulpOfOne * magnitude
                worst = max(worst, abs(small[row * n + column] - reference[row * n + column]) / bound)
            }
        }
        return worst
    }

    private func product(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeB: Bool) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    // On one thread, as each server worker runs, so the call is exactly m rows.
                    ParallelRegion.run {
                        MatrixMultiply.gemm(m: m, n: n, k: k, a: a.baseAddress!, b: b.baseAddress!, transposeB: transposeB, c: c.baseAddress!)
                    }
                }
            }
        }
        return c
    }
}
