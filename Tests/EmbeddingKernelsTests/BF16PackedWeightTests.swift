import EmbeddingTesting
import Testing
@testable import EmbeddingKernels

/// ``BF16PackedWeight`` promises VDPBF16PS's arithmetic: inputs and weights rounded to bf16
/// (nearest even), then per pair of input features (2p, 2p + 1) the float32 sum gets
/// `x[2p+1] * w[2p+1]` and then `x[2p] * w[2p]`, each a fused multiply-add whose denormal
/// result is flushed to a signed zero. The references below spell that out independently of
/// the C code, so the comparisons are for equality, on each tile this CPU runs (VDPBF16PS when
/// it has AVX512_BF16, and the portable one).
@Suite struct BF16PackedWeightTests {
    static let tiles = InstructionSet.allCases.filter { $0 <= .detected }

    /// bf16 rounding from first principles: the nearer of the two bf16 neighbours (in double),
    /// the one with an even last bit on a tie.
    static func referenceRounded(_ value: Float) -> Float {
        if value.isNaN { return value }
        if value.isSubnormal || value == 0 { return value.sign == .minus ? -0.0 : 0.0 }
        if value.isInfinite { return value }
        let bits = value.bitPattern
        let below = Float(bitPattern: bits & 0xFFFF_0000)
        let above = Float(bitPattern: (bits & 0xFFFF_0000) &+ 0x1_0000)  // infinity past the largest bf16
        // The next bf16 away from zero as a double (finite even where `above` is infinity: IEEE
        // rounds to infinity only from half a unit past the largest finite value).
        let next = Double(below) + Double(below.ulp) * 65_536 * (value < 0 ? -1 : 1)
        let toBelow = abs(Double(value) - Double(below)), toAbove = abs(next - Double(value))
        if toBelow != toAbove { return toBelow < toAbove ? below : above }
        return (bits >> 16) & 1 == 0 ? below : above
    }

    static func flushed(_ value: Float) -> Float { value.isSubnormal ? (value.sign == .minus ? -0.0 : 0.0) : value }

    @Test func roundingIsToNearestEvenWithDenormalsFlushed() {
        let cases: [(Float, Float)] = [
            (1, 1), (-2.5, -2.5),
            (Float(bitPattern: 0x3F80_8000), 1),  // a tie, to the even 0x3F80
            (Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x3F82_0000)),  // a tie, to the even 0x3F82
            (Float(bitPattern: 0x3F80_8001), Float(bitPattern: 0x3F81_0000)),  // just above a tie
            (Float(bitPattern: 0x3F80_7FFF), 1),  // just below a tie
            (.leastNonzeroMagnitude, 0), (-Float.leastNormalMagnitude / 2, -0.0),
            (.greatestFiniteMagnitude, .infinity), (-.infinity, -.infinity),
        ]
        for (value, expected) in cases {
            let rounded = BF16PackedWeight.rounded(value)
            #expect(rounded.bitPattern == expected.bitPattern, "\(value.bitPattern): \(rounded.bitPattern) != \(expected.bitPattern)")
        }
        #expect(BF16PackedWeight.rounded(.nan).isNaN)
        // A spread of bit patterns through every exponent.
        var mismatches = 0
        for pattern in stride(from: UInt32(0), to: UInt32.max - 65_521, by: 65_521) {
            let value = Float(bitPattern: pattern)
            guard !value.isNaN else { continue }
            if BF16PackedWeight.rounded(value).bitPattern != Self.referenceRounded(value).bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test(arguments: [(1, 1, 1), (1, 7, 5), (13, 64, 45), (25, 512, 70), (12, 1024, 33), (40, 385, 96), (3, 2048, 31), (7, 33, 16)])
    func everyElementIsTheVDPBF16PSChain(shape: (m: Int, k: Int, n: Int)) {
        var generator = SeededGenerator(state: UInt64(shape.m * 1_000_003 + shape.k * 1_009 + shape.n))
        var a = random(shape.m * shape.k, &generator)
        let w = random(shape.k * shape.n, &generator)
        let start = random(shape.m * shape.n, &generator), bias = random(shape.n, &generator)
        // Ties, a denormal and a tiny value among the activations.
        for (index, value) in [Float(bitPattern: 0x3F80_8000), 1e-39, -3e-38, Float(bitPattern: 0xBF81_8000)].enumerated()
        where index < a.count {
            a[index] = value
        }
        let packed = w.withUnsafeBufferPointer { BF16PackedWeight(inputMajor: $0.baseAddress!, inFeatures: shape.k, outFeatures: shape.n) }
        let roundedA = a.map(Self.referenceRounded), roundedW = w.map(Self.referenceRounded)
        #expect(packed.inputMajor() == roundedW)
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
                            for pair in 0 ..< (shape.k + 1) / 2 {
                                let even = 2 * pair, odd = 2 * pair + 1
                                if odd < shape.k {
                                    sum = Self.flushed(sum.addingProduct(roundedA[row * shape.k + odd], roundedW[odd * shape.n + column]))
                                } else {
                                    sum = Self.flushed(sum + 0)  // the zero half of an odd k's last pair
                                }
                                sum = Self.flushed(sum.addingProduct(roundedA[row * shape.k + even], roundedW[even * shape.n + column]))
                            }
                            var old = accumulate ? start[row * shape.n + column] : 0
                            if withBias { old = accumulate ? old + bias[column] : bias[column] }
                            let expected = accumulate || withBias ? sum + old : sum
                            if c[row * shape.n + column].bitPattern != expected.bitPattern { mismatches += 1 }
                        }
                    }
                    #expect(
                        mismatches == 0,
                        "\(tile) (\(BF16PackedWeight.kernelName)): m=\(shape.m) k=\(shape.k) n=\(shape.n) accumulate=\(accumulate) bias=\(withBias)")
                }
            }
        }
    }

    /// Rows alone, on one thread, on every tile, equal the same rows of a large product split
    /// across cores by rows or by panels.
    @Test(arguments: [(k: 384, n: 1152), (k: 1536, n: 384), (k: 768, n: 3072)])
    func rowsAloneEqualRowsOfALargeSplitProduct(shape: (k: Int, n: Int)) {
        var generator = SeededGenerator(state: UInt64(shape.k * 7 + shape.n))
        let w = random(shape.k * shape.n, &generator)
        let packed = w.withUnsafeBufferPointer { BF16PackedWeight(inputMajor: $0.baseAddress!, inFeatures: shape.k, outFeatures: shape.n) }
        for largest in [300, 20] {
            let a = random(largest * shape.k, &generator)
            let all = product(packed, a, rows: largest, alone: false, tile: .detected)
            for tile in Self.tiles {
                for rows in [1, 13] {
                    let alone = product(packed, Array(a[0 ..< rows * shape.k]), rows: rows, alone: true, tile: tile)
                    #expect(alone == Array(all[0 ..< rows * shape.n]), "\(tile) rows=\(rows) alone, \(largest) split, k=\(shape.k) n=\(shape.n)")
                }
            }
        }
    }

    /// The product is close to float32's: about bf16's 2^-9 relative rounding of each operand.
    @Test func theProductIsCloseToFloat32s() {
        var generator = SeededGenerator(state: 7)
        let (m, k, n) = (20, 384, 64)
        let a = random(m * k, &generator), w = random(k * n, &generator)
        let bf16 = w.withUnsafeBufferPointer { BF16PackedWeight(inputMajor: $0.baseAddress!, inFeatures: k, outFeatures: n) }
        let float32 = w.withUnsafeBufferPointer { PackedWeight(inputMajor: $0.baseAddress!, inFeatures: k, outFeatures: n) }
        var x = [Float](repeating: 0, count: m * n), y = x
        a.withUnsafeBufferPointer { a in
            x.withUnsafeMutableBufferPointer { bf16.multiply(a.baseAddress!, rows: m, into: $0.baseAddress!, accumulate: false) }
            y.withUnsafeMutableBufferPointer { float32.multiply(a.baseAddress!, rows: m, into: $0.baseAddress!, accumulate: false) }
        }
        var error: Double = 0, norm: Double = 0
        for i in x.indices {
            error += Double(x[i] - y[i]) * Double(x[i] - y[i])
            norm += Double(y[i]) * Double(y[i])
        }
        let relative = (error / norm).squareRoot()
        #expect(relative > 1e-4 && relative < 1e-2, "relative error \(relative)")
    }

    private func product(_ packed: BF16PackedWeight, _ a: [Float], rows: Int, alone: Bool, tile: InstructionSet) -> [Float] {
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
