import CGemm
import Testing
@testable import EmbeddingKernels

/// `cgemm_softmax_row` is vectorised by the compiler for each instruction set; its contract is
/// the bits of a plain scalar loop: `FastMath.exp` per score, 32 partial sums (key j into sum
/// j mod 32), a fixed pairwise tree. Checked here against that loop written in Swift.
@Suite struct SoftmaxRowTests {
    /// The contract, one score at a time.
    private func reference(_ row: [Float]) -> [Float]? {
        let maximum = row.max() ?? -.infinity
        guard maximum > -.infinity else { return nil }
        var sums = [Float](repeating: 0, count: 32)
        var weights = row
        for j in row.indices {
            weights[j] = row[j] == -.infinity ? 0 : FastMath.exp(row[j] - maximum)
            sums[j % 32] += weights[j]
        }
        var width = 16
        while width > 0 {
            for l in 0..<width { sums[l] += sums[l + width] }
            width /= 2
        }
        let inverse = 1 / sums[0]
        return weights.map { $0 * inverse }
    }

    private func run(_ row: [Float]) -> (kept: Bool, row: [Float]) {
        var row = row
        let kept = row.withUnsafeMutableBufferPointer { cgemm_softmax_row($0.baseAddress!, Int32($0.count)) } != 0
        return (kept, row)
    }

    /// Rows of 8 to 1,040 scores (whole and partial groups of 32), some keys masked.
    @Test(arguments: [8, 24, 32, 40, 200, 1024, 1040])
    func matchesTheScalarLoopBitForBit(count: Int) {
        var state: UInt64 = 0x9E37_79B9 &+ UInt64(count)
        let row = (0..<count).map { j -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let unit = Float(state >> 40) / Float(1 << 24)
            return j % 7 == 3 ? -.infinity : 40 * unit - 20
        }
        let (kept, weights) = run(row)
        #expect(kept)
        let expected = reference(row)!
        #expect(weights.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(abs(weights.reduce(0, +) - 1) < 1e-5)
        #expect(zip(row, weights).allSatisfy { $0 == -.infinity ? $1 == 0 : $1 > 0 })
    }

    /// Masked keys appended to a row (a causal block's padding, the round-up to eight) change
    /// none of its weights.
    @Test func appendedMaskedKeysChangeNothing() {
        let row = (0..<72).map { Float($0 % 13) * 0.37 - 2 }
        let alone = run(row).row
        let padded = run(row + [Float](repeating: -.infinity, count: 40)).row
        #expect(Array(padded.prefix(72)).map(\.bitPattern) == alone.map(\.bitPattern))
        #expect(padded.suffix(40).allSatisfy { $0 == 0 })
    }

    /// A row whose every key is masked is reported, and left alone, rather than divided by zero.
    @Test func aFullyMaskedRowIsReported() {
        let row = [Float](repeating: -.infinity, count: 16)
        let (kept, after) = run(row)
        #expect(!kept)
        #expect(after == row)
    }
}
