import EmbeddingTesting
import Testing
@testable import LateInteraction

/// The vector kernels (the one this CPU picks, and AVX2 wherever it runs, so an AVX-512 machine
/// checks both) against the portable reference, over the shapes where tiling has edges:
/// query lengths around the 4/8/16/32-lane tiles, widths that are not multiples of 16 (20 ends in
/// a whole group of the 4 columns a row pair is loaded by, 7 and 130 in part of one), documents
/// shorter and longer than a 12-row block, and every storage precision.
@Suite struct MaxSimKernelTests {
    @Test(arguments: StoragePrecision.allCases)
    func vectorKernelsEqualTheReferenceBitForBit(_ precision: StoragePrecision) throws {
        var generator = SeededGenerator(state: 21)
        for dimension in [1, 7, 16, 20, 48, 128, 130] {
            let docs = [1, 5, 12, 13, 25, 100].map { TestData.unitVectors($0, dimension: dimension, using: &generator) }
            let corpus = try EncodedCorpus(docs, dimension: dimension, precision: precision)
            let view = corpus.view
            for queryCount in [1, 3, 4, 5, 8, 12, 16, 20, 24, 28, 29, 32, 33, 64] {
                let query = TestData.unitVectors(queryCount, dimension: dimension, using: &generator)
                query.values.withUnsafeBufferPointer { q in
                    let block = MaxSimBlock(query: q.baseAddress!, queryCount: queryCount, documents: view)
                    for slot in view.slots {
                        let reference = block.score(slot, kernel: .reference)
                        for kernel in [MaxSimBlock.Kernel.fastest, .avx2] where kernel.isAvailable {
                            let fast = block.score(slot, kernel: kernel)
                            #expect(fast.bitPattern == reference.bitPattern, "\(kernel) d=\(dimension) m=\(queryCount) n=\(slot.count)")
                        }
                    }
                }
            }
        }
    }

    @Test func hammingPassMatchesBruteForce() throws {
        var generator = SeededGenerator(state: 22)
        for dimension in [64, 100, 128, 200] {
            // 64 and more vectors take the AVX2 kernel's transposed path (blocks of 32, remainders).
            let docs = [1, 3, 8, 9, 31, 64, 97, 200, 1030].map { TestData.unitVectors($0, dimension: dimension, using: &generator) }
            let corpus = try EncodedCorpus(docs, dimension: dimension, precision: .binary)
            for queryCount in [1, 7, 8, 9, 20] {
                let query = TestData.unitVectors(queryCount, dimension: dimension, using: &generator)
                let scores = MaxSim.hammingScores(query, corpus.view, indices: Array(docs.indices))
                for (index, doc) in docs.enumerated() {
                    #expect(scores[index] == Self.hammingScore(query, doc), "d=\(dimension) m=\(queryCount) doc \(index)")
                }
            }
        }
    }

    /// Σ_i max_j (d - 2 * sign disagreements) / d, the obvious way.
    private static func hammingScore(_ q: MultiVector, _ d: MultiVector) -> Float {
        let width = q.dimension
        var total = 0
        for i in 0 ..< q.count {
            var best = Int.min
            for j in 0 ..< d.count {
                var disagreements = 0
                for k in 0 ..< width where (q.values[i * width + k] > 0) != (d.values[j * width + k] > 0) { disagreements += 1 }
                best = max(best, width - 2 * disagreements)
            }
            total += best
        }
        return Float(total) / Float(width)
    }
}
