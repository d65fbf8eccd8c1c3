import EmbeddingTesting
import Testing
@testable import EmbeddingKernels

/// A row of a product must not depend on how many rows share its call: that is what makes an
/// embedding independent of its batch and of how the batch is split across cores. OpenBLAS's
/// small-matrix kernel (for tiny m·n·k) sums in another order than its blocked kernel, so these
/// shapes failed before ``MatrixMultiply/blockedSgemm`` kept every call on the blocked kernel.
@Suite struct GemmRowInvarianceTests {
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
                #expect(small == Array(reference[0 ..< m * shape.n]), "m=\(m) n=\(shape.n) k=\(shape.k) transposeB=\(transposeB)")
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
