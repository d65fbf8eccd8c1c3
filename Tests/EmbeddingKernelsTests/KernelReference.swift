import EmbeddingTesting
import Foundation

/// Straightforward Double-precision versions of the kernels, to check the fast ones against.
enum Reference {
    static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var generator = SeededGenerator(state: seed)
        return (0..<count).map { _ in Float.random(in: -scale...scale, using: &generator) }
    }

    /// `a[m x k] * b[n x k]^T`.
    static func matmulTransposed(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k { s += Double(a[i * k + p]) * Double(b[j * k + p]) }
                c[i * n + j] = s
            }
        }
        return c
    }

    /// Attention for one sequence of `length` rows in a `[*, stride]` QKV matrix, one head.
    static func attention(
        q: [Float], k: [Float], v: [Float], stride: Int, rows: Range<Int>, head: Int, d: Int,
        causal: Bool, keep: [Bool]? = nil
    ) -> [[Double]] {
        var result: [[Double]] = []
        for i in rows {
            var scores: [Double] = []
            var keys: [Int] = []
            for j in rows where (!causal || j <= i) && (keep?[j] ?? true) {
                var s: Double = 0
                for p in 0..<d { s += Double(q[i * stride + head * d + p]) * Double(k[j * stride + head * d + p]) }
                scores.append(s / Double(d).squareRoot())
                keys.append(j)
            }
            let top = scores.max() ?? 0
            let exps = scores.map { Foundation.exp($0 - top) }
            let total = exps.reduce(0, +)
            var out = [Double](repeating: 0, count: d)
            for (e, j) in zip(exps, keys) {
                for p in 0..<d { out[p] += e / total * Double(v[j * stride + head * d + p]) }
            }
            result.append(out)
        }
        return result
    }
}
