import EmbeddingKernels
import EmbeddingTesting
import Foundation
import Testing

extension Reference {
    /// Attention of one head over `rows`, query `i` seeing the keys `j` with `|i - j| <= window`
    /// (and `keep[j]`), in Double.
    static func slidingWindowAttention(
        q: [Float], k: [Float], v: [Float], stride: Int, rows: Range<Int>, head: Int, d: Int, window: Int, keep: [Bool]?
    ) -> [[Double]] {
        rows.map { i in
            let keys = rows.filter { abs($0 - i) <= window && (keep?[$0] ?? true) }
            let scores = keys.map { j in
                (0..<d).reduce(0.0) { $0 + Double(q[i * stride + head * d + $1]) * Double(k[j * stride + head * d + $1]) }
                    / Double(d).squareRoot()
            }
            let top = scores.max() ?? 0
            let weights = scores.map { Foundation.exp($0 - top) }
            let total = weights.reduce(0, +)
            var out = [Double](repeating: 0, count: d)
            for (weight, j) in zip(weights, keys) {
                for p in 0..<d { out[p] += weight / total * Double(v[j * stride + head * d + p]) }
            }
            return out
        }
    }
}

@Suite struct SlidingWindowAttentionTests {
    /// Packed sequences of several lengths (shorter and longer than the band, a single token),
    /// each head checked against the Double reference, with and without masked keys.
    @Test(arguments: [0, 1, 4, 9, 60], [12, 32])
    func packedSequencesMatchReference(window: Int, headDimension d: Int) {
        let heads = 2
        let hidden = heads * d
        let lengths = [3, 37, 1, 21]
        let tokens = lengths.reduce(0, +)
        let sequences = PackedRanges.of(lengths)
        let qkv = Reference.random(tokens * 3 * hidden, seed: UInt64(31 + window), scale: 2)
        // Every seventh key masked; the single-token sequence keeps its key.
        let keep = (0..<tokens).map { $0 % 7 != 5 }
        for mask in [nil, keep] {
            var output = [Float](repeating: .nan, count: tokens * hidden)
            qkv.withUnsafeBufferPointer { p in
                let base = p.baseAddress!
                let projections = Attention.Projections(query: base, key: base + hidden, value: base + 2 * hidden, stride: 3 * hidden)
                if let mask {
                    mask.withUnsafeBufferPointer { flags in
                        Attention.multiHeadSlidingWindow(
                            projections, sequences: sequences, heads: heads, headDimension: d, window: window,
                            output: &output, keyMask: flags.baseAddress)
                    }
                } else {
                    Attention.multiHeadSlidingWindow(
                        projections, sequences: sequences, heads: heads, headDimension: d, window: window, output: &output)
                }
            }
            let k = Array(qkv.dropFirst(hidden)) + [Float](repeating: 0, count: hidden)
            let v = Array(qkv.dropFirst(2 * hidden)) + [Float](repeating: 0, count: 2 * hidden)
            var worst: Double = 0
            for rows in sequences {
                for head in 0..<heads {
                    let expected = Reference.slidingWindowAttention(
                        q: qkv, k: k, v: v, stride: 3 * hidden, rows: rows, head: head, d: d, window: window, keep: mask)
                    for (offset, i) in rows.enumerated() {
                        for p in 0..<d {
                            worst = max(worst, abs(Double(output[i * hidden + head * d + p]) - expected[offset][p]))
                        }
                    }
                }
            }
            #expect(worst < 1e-5, "window \(window), d \(d), masked \(mask != nil): off by \(worst)")
        }
    }

    /// A window covering the whole sequence is full attention.
    @Test func aWideWindowIsFullAttention() {
        let (heads, d) = (4, 16)
        let hidden = heads * d
        let sequences = PackedRanges.of([30, 9])
        let qkv = Reference.random(39 * 3 * hidden, seed: 5)
        var banded = [Float](repeating: 0, count: 39 * hidden)
        var full = banded
        qkv.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            let projections = Attention.Projections(query: base, key: base + hidden, value: base + 2 * hidden, stride: 3 * hidden)
            Attention.multiHeadSlidingWindow(projections, sequences: sequences, heads: heads, headDimension: d, window: 29, output: &banded)
            Attention.multiHead(projections, sequences: sequences, heads: heads, headDimension: d, output: &full)
        }
        var worst: Float = 0
        for i in banded.indices { worst = max(worst, abs(banded[i] - full[i])) }
        #expect(worst < 1e-6)
    }
}

@Suite struct RotaryEmbeddingTests {
    /// transformers' rotate_half: element i pairs with element i + d/2 (not with i + 1), and
    /// frequency i is theta^(-2i/d).
    @Test func rotatesFirstHalfWithSecondHalf() {
        let (d, theta) = (8, 100.0)
        let rope = RotaryEmbedding(headDimension: d, theta: theta, positions: 10)
        let x: [Float] = [0.5, -1, 2, 0.25, 1.5, 3, -0.75, 1]
        for position in [0, 1, 7] {
            var rows = [Float](repeating: 0, count: (position + 1) * d)
            rows.replaceSubrange(position * d ..< (position + 1) * d, with: x)
            rope.apply(&rows, stride: d, heads: 1, sequences: [0 ..< position + 1])
            for i in 0..<(d / 2) {
                let angle = Double(position) * pow(theta, -Double(2 * i) / Double(d))
                let low = Double(x[i]) * cos(angle) - Double(x[i + d / 2]) * sin(angle)
                let high = Double(x[i + d / 2]) * cos(angle) + Double(x[i]) * sin(angle)
                #expect(abs(Double(rows[position * d + i]) - low) < 1e-5, "position \(position), element \(i)")
                #expect(abs(Double(rows[position * d + i + d / 2]) - high) < 1e-5, "position \(position), element \(i + d / 2)")
            }
        }
    }

    /// Positions restart at 0 with every packed sequence, and every head of a row turns alike.
    @Test func positionsCountFromEachSequenceStart() {
        let d = 4
        let rope = RotaryEmbedding(headDimension: d, theta: 10_000, positions: 8)
        let pattern: [Float] = [1, 2, 3, 4]
        // Two sequences of 3 rows, two heads per row.
        var rows = (0..<6).flatMap { _ in pattern + pattern }
        rope.apply(&rows, stride: 2 * d, heads: 2, sequences: [0..<3, 3..<6])
        for row in 0..<3 {
            let first = Array(rows[row * 2 * d ..< (row + 1) * 2 * d])
            let second = Array(rows[(row + 3) * 2 * d ..< (row + 4) * 2 * d])
            #expect(first == second)
            #expect(Array(first[0..<d]) == Array(first[d..<(2 * d)]))
        }
        #expect(Array(rows[0..<d]) == pattern)
    }
}

@Suite struct GatedActivationTests {
    /// GeGLU: the first half of each row goes through the activation, the second half gates it.
    @Test func firstHalfIsTheInputSecondHalfTheGate() {
        let width = 37
        let rows = 3
        let input = Reference.random(rows * 2 * width, seed: 9, scale: 3)
        var output = [Float](repeating: .nan, count: rows * width)
        Activation.gelu.applyGated(input, rows: rows, width: width, into: &output)
        for row in 0..<rows {
            for k in 0..<width {
                let x = Double(input[row * 2 * width + k])
                let gate = Double(input[row * 2 * width + width + k])
                let expected = x * 0.5 * (1 + erf(x / 2.0.squareRoot())) * gate
                #expect(abs(Double(output[row * width + k]) - expected) < 1e-5)
            }
        }
    }
}

/// Row ranges of sequences laid end to end.
enum PackedRanges {
    static func of(_ lengths: [Int]) -> [Range<Int>] {
        var start = 0
        return lengths.map { length in
            defer { start += length }
            return start ..< start + length
        }
    }
}
