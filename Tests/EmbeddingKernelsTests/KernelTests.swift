import Foundation
import Testing
@testable import EmbeddingKernels

@Suite struct MatrixMultiplyTests {
    @Test func linearMatchesReference() {
        let (rows, inFeatures, outFeatures) = (7, 13, 5)
        let input = Reference.random(rows * inFeatures, seed: 1)
        let weight = Reference.random(outFeatures * inFeatures, seed: 2)
        let bias = Reference.random(outFeatures, seed: 3)
        var output = [Float](repeating: .nan, count: rows * outFeatures)
        MatrixMultiply.linear(
            input: input, rows: rows, inFeatures: inFeatures, weight: weight, bias: bias,
            outFeatures: outFeatures, output: &output)
        let expected = Reference.matmulTransposed(input, weight, m: rows, n: outFeatures, k: inFeatures)
        for i in 0..<rows {
            for j in 0..<outFeatures {
                #expect(abs(Double(output[i * outFeatures + j]) - (expected[i * outFeatures + j] + Double(bias[j]))) < 1e-5)
            }
        }
    }

    @Test func gemmWithStridesReadsColumnSlices() {
        // a is the right half of a 3 x 8 matrix; b is 4 x 2 (not transposed).
        let wide = Reference.random(3 * 8, seed: 4)
        let b = Reference.random(4 * 2, seed: 5)
        var c = [Float](repeating: 0, count: 3 * 2)
        wide.withUnsafeBufferPointer { w in
            MatrixMultiply.gemm(m: 3, n: 2, k: 4, a: w.baseAddress! + 4, lda: 8, b: b, transposeB: false, c: &c)
        }
        for i in 0..<3 {
            for j in 0..<2 {
                var s: Float = 0
                for p in 0..<4 { s += wide[i * 8 + 4 + p] * b[p * 2 + j] }
                #expect(abs(c[i * 2 + j] - s) < 1e-5)
            }
        }
    }
}

@Suite struct ElementwiseTests {
    @Test func erfIsAccurateEverywhere() {
        var worst: Double = 0
        var x: Float = -7
        while x <= 7 {
            let ours = Activation.erf(x)
            worst = max(worst, abs(Double(ours) - Foundation.erf(Double(x))))
            x += 0.001
        }
        #expect(worst < 5e-7, "erf max error \(worst)")
    }

    @Test func geluMatchesErfDefinition() {
        var values = Reference.random(1000, seed: 6, scale: 6) + [0, -0.0, 10, -10, 50]
        let original = values
        Activation.gelu.apply(&values, count: values.count)
        for (x, y) in zip(original, values) {
            let expected = Double(x) * 0.5 * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))
            #expect(abs(Double(y) - expected) < 2e-6 * max(1, abs(Double(x))))
        }
    }

    @Test func quickGeluAndTanhGelu() {
        var quick: [Float] = [-3, -0.5, 0, 0.5, 3]
        var tanh = quick
        Activation.quickGelu.apply(&quick, count: 5)
        Activation.geluTanh.apply(&tanh, count: 5)
        for (i, x) in [-3.0, -0.5, 0, 0.5, 3].enumerated() {
            #expect(abs(Double(quick[i]) - x / (1 + Foundation.exp(-1.702 * x))) < 1e-6)
            let t = Foundation.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))
            #expect(abs(Double(tanh[i]) - 0.5 * x * (1 + t)) < 1e-6)
        }
        #expect(Activation(huggingFaceName: "gelu") == .gelu)
        #expect(Activation(huggingFaceName: "swish") == nil)
    }

    @Test func layerNormMatchesReferenceWithResidual() {
        let (rows, width) = (5, 384)
        var x = Reference.random(rows * width, seed: 7, scale: 30)
        let residual = Reference.random(rows * width, seed: 8)
        let gamma = Reference.random(width, seed: 9)
        let beta = Reference.random(width, seed: 10)
        let summed = zip(x, residual).map { Double($0) + Double($1) }
        LayerNorm.apply(&x, rows: rows, width: width, gamma: gamma, beta: beta, epsilon: 1e-12, residual: residual)
        for r in 0..<rows {
            let line = summed[r * width ..< (r + 1) * width]
            let mean = line.reduce(0, +) / Double(width)
            let variance = line.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            for i in 0..<width {
                let expected = (line[r * width + i] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[i]) + Double(beta[i])
                #expect(abs(Double(x[r * width + i]) - expected) < 1e-5)
            }
        }
    }

    @Test func softmaxMasksMinusInfinityAndSurvivesAllMasked() {
        var values: [Float] = [1, 2, -.infinity, 3, -.infinity, -.infinity, -.infinity, -.infinity]
        Softmax.apply(&values, rows: 2, width: 4)
        let total = exp(1.0) + exp(2.0) + exp(3.0)
        #expect(abs(Double(values[0]) - exp(1.0) / total) < 1e-6)
        #expect(values[2] == 0)
        #expect(values[4...].allSatisfy { $0 == 0 })
    }

    @Test func normalizeGivesUnitLengthAndKeepsZero() {
        let v = VectorMath.normalized([3, 4])
        #expect(abs(v[0] - 0.6) < 1e-7 && abs(v[1] - 0.8) < 1e-7)
        #expect(VectorMath.normalized([0, 0]) == [0, 0])
    }
}

@Suite struct AttentionTests {
    /// Packs three sequences (lengths 3, 11, 1) with 2 heads of 12 and compares each head with the
    /// Double reference, bidirectional and causal.
    @Test(arguments: [false, true])
    func packedSequencesMatchReference(causal: Bool) {
        let (heads, d) = (2, 12)
        let hidden = heads * d
        let lengths = [3, 11, 1]
        let tokens = lengths.reduce(0, +)
        let qkv = Reference.random(tokens * 3 * hidden, seed: 11, scale: 2)
        var sequences: [Range<Int>] = []
        var start = 0
        for length in lengths { sequences.append(start ..< start + length); start += length }
        var output = [Float](repeating: .nan, count: tokens * hidden)
        qkv.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            Attention.multiHead(
                .init(query: base, key: base + hidden, value: base + 2 * hidden, stride: 3 * hidden),
                sequences: sequences, heads: heads, headDimension: d, output: &output, causal: causal)
        }
        let q = qkv, k = Array(qkv.dropFirst(hidden)) + [Float](repeating: 0, count: hidden)
        let v = Array(qkv.dropFirst(2 * hidden)) + [Float](repeating: 0, count: 2 * hidden)
        for rows in sequences {
            for head in 0..<heads {
                let expected = Reference.attention(q: q, k: k, v: v, stride: 3 * hidden, rows: rows, head: head, d: d, causal: causal)
                for (offset, i) in rows.enumerated() {
                    for p in 0..<d {
                        #expect(abs(Double(output[i * hidden + head * d + p]) - expected[offset][p]) < 1e-5)
                    }
                }
            }
        }
    }

    /// A SigLIP tile's 1024 keys (whose transposed keys get a stride padded off 1024 floats, see
    /// `SendableWork.keyStride`) and a shorter sequence beside it still match the Double reference.
    @Test func longSequencesMatchReference() {
        let (heads, d) = (1, 16)
        let hidden = heads * d
        let sequences = [0 ..< 1024, 1024 ..< 1224]
        let tokens = 1224
        let qkv = Reference.random(tokens * 3 * hidden, seed: 23, scale: 2)
        var output = [Float](repeating: .nan, count: tokens * hidden)
        qkv.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            Attention.multiHead(
                .init(query: base, key: base + hidden, value: base + 2 * hidden, stride: 3 * hidden),
                sequences: sequences, heads: heads, headDimension: d, output: &output)
        }
        let q = qkv, k = Array(qkv.dropFirst(hidden)) + [Float](repeating: 0, count: hidden)
        let v = Array(qkv.dropFirst(2 * hidden)) + [Float](repeating: 0, count: 2 * hidden)
        var worst = 0.0
        for rows in sequences {
            let expected = Reference.attention(q: q, k: k, v: v, stride: 3 * hidden, rows: rows, head: 0, d: d, causal: false)
            for (offset, i) in rows.enumerated() {
                for p in 0..<d { worst = max(worst, abs(Double(output[i * hidden + p]) - expected[offset][p])) }
            }
        }
        #expect(worst < 1e-5, "largest difference \(worst)")
    }

    /// A sequence padded inside a longer batch, masked by an attention mask, gets exactly the
    /// values it gets alone: padding never changes a result.
    @Test func paddingDoesNotChangeResults() {
        let (heads, d, hidden) = (4, 8, 32)
        let short = 5, long = 40
        let batch = Reference.random(2 * long * 3 * hidden, seed: 12)
        var mask = [Int32](repeating: 0, count: 2 * long)
        for i in 0..<short { mask[i] = 1 }
        for i in long ..< 2 * long { mask[i] = 1 }
        var padded = [Float](repeating: 0, count: 2 * long * hidden)
        var alone = [Float](repeating: 0, count: short * hidden)
        batch.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            let projections = Attention.Projections(query: base, key: base + hidden, value: base + 2 * hidden, stride: 3 * hidden)
            Attention.multiHeadPadded(
                projections, batch: 2, length: long, attentionMask: mask, heads: heads, headDimension: d, output: &padded)
            Attention.multiHead(projections, sequences: [0..<short], heads: heads, headDimension: d, output: &alone)
        }
        #expect(Array(padded[0 ..< short * hidden]) == alone)
    }
}

@Suite struct FastMathTests {
    @Test func expIsAccurateOverTheSoftmaxRange() {
        var worst: Double = 0
        var x: Float = -87
        while x <= 88 {
            let relative = abs(Double(FastMath.exp(x)) - Foundation.exp(Double(x))) / Foundation.exp(Double(x))
            worst = max(worst, relative)
            x += 0.0137
        }
        #expect(worst < 3e-7, "exp relative error \(worst)")
        #expect(FastMath.exp(-1000) < 1e-37 && FastMath.exp(0) == 1)
    }
}
