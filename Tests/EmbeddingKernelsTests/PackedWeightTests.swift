import EmbeddingTesting
import Testing
@testable import EmbeddingKernels

/// ``PackedWeight`` promises each output element is one in-order chain of fused multiply-adds
/// over the input features: the reference below computes exactly that, element by element, so
/// the comparison is for equality. Shapes cover partial row tiles (m not a multiple of 12), a
/// partial last panel (n not a multiple of 32), and row strides that alias in L1 (k a multiple of
/// 512, where the tile reads a padded copy). Every test runs on each tile this CPU has (AVX-512,
/// AVX2, portable): they must all give these bits.
@Suite struct PackedWeightTests {
    /// The tiles this CPU runs, whatever MULTIEMBED_ISA says (the tests pick one explicitly).
    static let tiles = InstructionSet.allCases.filter { $0 <= .detected }

    @Test(arguments: [(1, 7, 5), (13, 64, 45), (25, 512, 70), (12, 1024, 33), (40, 384, 96), (3, 2048, 31), (7, 33, 16), (6, 100, 24)])
    func everyElementIsOneInOrderChainOfFusedMultiplyAdds(shape: (m: Int, k: Int, n: Int)) {
        var generator = SeededGenerator(state: UInt64(shape.m * 1_000_003 + shape.k * 1_009 + shape.n))
        let a = random(shape.m * shape.k, &generator), w = random(shape.k * shape.n, &generator)
        let start = random(shape.m * shape.n, &generator), bias = random(shape.n, &generator)
        let packed = w.withUnsafeBufferPointer { PackedWeight(inputMajor: $0.baseAddress!, inFeatures: shape.k, outFeatures: shape.n) }
        for tile in Self.tiles {
            for accumulate in [false, true] {
                for withBias in [false, true] {
                    var c = start
                    a.withUnsafeBufferPointer { a in
                        bias.withUnsafeBufferPointer { b in
                            c.withUnsafeMutableBufferPointer {
                                packed.multiply(
                                    a.baseAddress!, rows: shape.m, into: $0.baseAddress!, accumulate: accumulate,
                                    bias: withBias ? b.baseAddress! : nil, instructionSet: tile)
                            }
                        }
                    }
                    var mismatches = 0
                    for row in 0..<shape.m {
                        for column in 0..<shape.n {
                            var sum: Float = 0
                            for p in 0..<shape.k { sum = sum.addingProduct(a[row * shape.k + p], w[p * shape.n + column]) }
                            // As a bias copied into the output first, then BLAS's beta = 1.
                            var old = accumulate ? start[row * shape.n + column] : 0
                            if withBias { old = accumulate ? old + bias[column] : bias[column] }
                            let expected = accumulate || withBias ? sum + old : sum
                            if c[row * shape.n + column] != expected { mismatches += 1 }
                        }
                    }
                    #expect(
                        mismatches == 0,
                        "\(tile): m=\(shape.m) k=\(shape.k) n=\(shape.n) accumulate=\(accumulate) bias=\(withBias)")
                }
            }
        }
    }

    /// Rows alone, on one thread, equal the same rows of a large product split across cores by
    /// rows (tall output) or by panels (short, wide output): a row's embedding cannot depend on
    /// its batch or on how the server splits the batch.
    @Test(arguments: [(k: 384, n: 1152), (k: 1536, n: 384), (k: 768, n: 3072)])
    func rowsAloneEqualRowsOfALargeSplitProduct(shape: (k: Int, n: Int)) {
        var generator = SeededGenerator(state: UInt64(shape.k * 7 + shape.n))
        let w = random(shape.k * shape.n, &generator)
        let packed = w.withUnsafeBufferPointer { PackedWeight(inputMajor: $0.baseAddress!, inFeatures: shape.k, outFeatures: shape.n) }
        for largest in [300, 20] {  // 300 rows split by rows, 20 rows by panels
            let a = random(largest * shape.k, &generator)
            let all = product(packed, a, rows: largest, alone: false, tile: .detected)
            for tile in Self.tiles {
                for rows in [1, 5, 12, 13] {
                    let alone = product(packed, Array(a[0 ..< rows * shape.k]), rows: rows, alone: true, tile: tile)
                    #expect(
                        alone == Array(all[0 ..< rows * shape.n]),
                        "\(tile) rows=\(rows) alone, \(InstructionSet.detected) \(largest) split, k=\(shape.k) n=\(shape.n)")
                }
            }
        }
    }

    @Test func theWeightComesBackAsPacked() {
        var generator = SeededGenerator(state: 42)
        let w = random(70 * 45, &generator)
        let packed = w.withUnsafeBufferPointer { PackedWeight(inputMajor: $0.baseAddress!, inFeatures: 70, outFeatures: 45) }
        #expect(packed.inputMajor() == w)
    }

    private func product(_ packed: PackedWeight, _ a: [Float], rows: Int, alone: Bool, tile: InstructionSet) -> [Float] {
        var c = [Float](repeating: 0, count: rows * packed.outFeatures)
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                if alone {
                    ParallelRegion.run {
                        packed.multiply(a.baseAddress!, rows: rows, into: c.baseAddress!, accumulate: false, instructionSet: tile)
                    }
                } else {
                    packed.multiply(a.baseAddress!, rows: rows, into: c.baseAddress!, accumulate: false, instructionSet: tile)
                }
            }
        }
        return c
    }

    private func random(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1 ... 1, using: &generator) }
    }
}
