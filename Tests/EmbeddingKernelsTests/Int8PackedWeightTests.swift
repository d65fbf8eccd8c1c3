import EmbeddingTesting
import Testing
@testable import EmbeddingKernels

/// ``Int8PackedWeight`` promises each output element is an exact int32 sum of activation x
/// weight codes, corrected by the row's zero point, scaled back to float32, then bias and old
/// value added as ``PackedWeight`` adds them. The reference below quantises the rows itself (the
/// same float operations as the C quantiser) and computes that formula, so the comparison is for
/// equality, on every kernel this CPU has (AVX-512 VNNI, AVX2, portable). A second reference, the
/// float32 product, holds the quantisation itself to the error its step sizes allow.
@Suite struct Int8PackedWeightTests {
    /// The kernels this CPU runs, whatever MULTIEMBED_ISA says (the tests pick one explicitly).
    static let levels = InstructionSet.allCases.filter { $0 <= .detected }

    /// Shapes with partial row tiles, k not a multiple of 4 (1, 3, 7, 33, 101), n not a multiple of
    /// the 32-column panel or of the AVX2 tile's 8 (1, 5, 45, 70), k a multiple of 512 (padded
    /// row stride), and one row.
    static let shapes = [
        (1, 7, 5), (13, 64, 45), (25, 512, 70), (12, 1024, 33), (40, 384, 96), (3, 33, 16), (7, 101, 24), (30, 3, 1),
        (5, 1, 40),
    ]

    @Test(arguments: shapes)
    func everyElementIsTheExactIntegerFormulaOnEveryKernel(shape: (m: Int, k: Int, n: Int)) {
        var generator = SeededGenerator(state: UInt64(shape.m * 1_000_003 + shape.k * 1_009 + shape.n))
        let a = random(shape.m * shape.k, &generator), w = random(shape.k * shape.n, &generator)
        let start = random(shape.m * shape.n, &generator), bias = random(shape.n, &generator)
        let packed = pack(w, shape.k, shape.n)
        let rows = (0..<shape.m).map { RowCodes(Array(a[$0 * shape.k ..< ($0 + 1) * shape.k])) }
        for level in Self.levels {
            for accumulate in [false, true] {
                for withBias in [false, true] {
                    let c = product(packed, a, rows: shape.m, start: start, accumulate: accumulate, bias: withBias ? bias : nil, level: level)
                    var mismatches = 0
                    for row in 0..<shape.m {
                        for column in 0..<shape.n {
                            var sum = 0
                            for p in 0..<shape.k { sum += rows[row].codes[p] * packed.code(row: p, column: column) }
                            var columnCodes = 0
                            for p in 0..<shape.k { columnCodes += packed.code(row: p, column: column) }
                            let exact = Float(Int32(sum - rows[row].zero * columnCodes))
                            let value = exact * (rows[row].scale * packed.scale(column: column))
                            let old = start[row * shape.n + column]
                            let expected: Float =
                                accumulate ? value + (withBias ? old + bias[column] : old) : withBias ? value + bias[column] : value
                            if c[row * shape.n + column] != expected { mismatches += 1 }
                        }
                    }
                    #expect(
                        mismatches == 0,
                        "\(Int8PackedWeight.kernelName(at: level)): m=\(shape.m) k=\(shape.k) n=\(shape.n) accumulate=\(accumulate) bias=\(withBias)")
                }
            }
        }
    }

    /// Against the float32 product: each element within what half a weight step and a whole
    /// activation step allow (an activation code at the top of its range may be clamped a step),
    /// Σ|x|·s_w/2 + Σ|w|·s_x + k·s_x·s_w/2, plus float32 rounding; and on random inputs well inside
    /// it on average (the worst case adds every error the same way; real sums cancel).
    @Test(arguments: shapes)
    func theErrorIsWithinTheQuantisationSteps(shape: (m: Int, k: Int, n: Int)) {
        var generator = SeededGenerator(state: UInt64(shape.m * 31 + shape.k * 7 + shape.n))
        let a = random(shape.m * shape.k, &generator).map { $0 * 3 }, w = random(shape.k * shape.n, &generator)
        let packed = pack(w, shape.k, shape.n)
        let c = product(packed, a, rows: shape.m, start: nil, accumulate: false, bias: nil, level: .detected)
        var worst: Double = 0, squaredError: Double = 0, squaredBound: Double = 0
        for row in 0..<shape.m {
            let x = a[row * shape.k ..< (row + 1) * shape.k].map(Double.init)
            let rowStep = Double(max(x.max()!, 0) - min(x.min()!, 0)) / 255
            for column in 0..<shape.n {
                let weights = (0..<shape.k).map { Double(w[$0 * shape.n + column]) }
                let columnStep = weights.map(abs).max()! / 127
                var exact: Double = 0, magnitude: Double = 0, bound: Double = 0
                for p in 0..<shape.k {
                    exact += x[p] * weights[p]
                    magnitude += abs(x[p] * weights[p])
                    bound += abs(x[p]) * columnStep / 2 + abs(weights[p]) * rowStep + rowStep * columnStep / 2
                }
                bound += 1e-5 * magnitude
                let error = abs(Double(c[row * shape.n + column]) - exact)
                worst = max(worst, error / bound)
                squaredError += error * error
                squaredBound += bound * bound
            }
        }
        #expect(worst <= 1, "m=\(shape.m) k=\(shape.k) n=\(shape.n): worst element at \(worst) of its bound")
        if shape.k >= 33 {
            #expect((squaredError / squaredBound).squareRoot() < 0.25, "m=\(shape.m) k=\(shape.k) n=\(shape.n): typical error too close to the worst case")
        }
    }

    /// Rows alone, on one thread, equal the same rows of a large product split across cores by
    /// rows (tall output) or by panels (short, wide output), on every kernel.
    @Test(arguments: [(k: 384, n: 1152), (k: 1536, n: 384), (k: 250, n: 97)])
    func rowsAloneEqualRowsOfALargeSplitProduct(shape: (k: Int, n: Int)) {
        var generator = SeededGenerator(state: UInt64(shape.k * 7 + shape.n))
        let packed = pack(random(shape.k * shape.n, &generator), shape.k, shape.n)
        for largest in [300, 20] {  // 300 rows split by rows, 20 rows (of a wide output) by panels
            let a = random(largest * shape.k, &generator)
            let all = product(packed, a, rows: largest, start: nil, accumulate: false, bias: nil, level: .detected)
            for level in Self.levels {
                for rows in [1, 5, 12, 13] {
                    let alone = product(
                        packed, Array(a[0 ..< rows * shape.k]), rows: rows, start: nil, accumulate: false, bias: nil,
                        level: level, alone: true)
                    #expect(
                        alone == Array(all[0 ..< rows * shape.n]),
                        "\(level) rows=\(rows) alone, \(largest) split, k=\(shape.k) n=\(shape.n)")
                }
            }
        }
    }

    /// A column of zeros has scale 0 and an input row of zeros has scale 0: their products are
    /// exactly 0, so the output is exactly the bias (and the old value), never NaN.
    @Test func zeroColumnsAndZeroRowsGiveExactlyTheBias() {
        let (m, k, n) = (4, 37, 40)
        var generator = SeededGenerator(state: 7)
        var w = random(k * n, &generator), a = random(m * k, &generator)
        for p in 0..<k { w[p * n + 3] = 0 }
        for p in 0..<k { a[2 * k + p] = 0 }
        let bias = random(n, &generator), start = random(m * n, &generator)
        let packed = pack(w, k, n)
        #expect(packed.scale(column: 3) == 0)
        for level in Self.levels {
            let plain = product(packed, a, rows: m, start: nil, accumulate: false, bias: bias, level: level)
            let accumulated = product(packed, a, rows: m, start: start, accumulate: true, bias: bias, level: level)
            for row in 0..<m {
                #expect(plain[row * n + 3] == bias[3], "\(level) row \(row), zero column")
                #expect(accumulated[row * n + 3] == start[row * n + 3] + bias[3], "\(level) row \(row), zero column")
            }
            #expect(Array(plain[2 * n ..< 3 * n]) == bias, "\(level): zero row")
            #expect(plain.allSatisfy { $0.isFinite })
        }
    }

    /// Zero rows write nothing.
    @Test func noRowsLeaveTheOutputAlone() {
        let packed = pack([1, 2, 3, 4, 5, 6], 2, 3)
        var c: [Float] = [42]
        let a: [Float] = [0]
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { packed.multiply(a.baseAddress!, rows: 0, into: $0.baseAddress!, accumulate: false) }
        }
        #expect(c == [42])
    }

    /// The weight codes: per column, the largest magnitude is ±127, every code in -127...127 and
    /// within half a step of weight / scale.
    @Test func weightsArePerColumnSymmetricCodes() {
        let (k, n) = (9, 35)
        var generator = SeededGenerator(state: 99)
        let w = (0 ..< k * n).map { i in Float.random(in: -1 ... 1, using: &generator) * Float(1 + i % n) }
        let packed = pack(w, k, n)
        for column in 0..<n {
            let largest = (0..<k).map { abs(w[$0 * n + column]) }.max()!
            #expect(packed.scale(column: column) == largest / 127)
            #expect((0..<k).map { abs(packed.code(row: $0, column: column)) }.max() == 127)
            for row in 0..<k {
                let code = packed.code(row: row, column: column)
                #expect(abs(Float(code) - w[row * n + column] / packed.scale(column: column)) <= 0.5001)
            }
        }
    }

    /// The reference's copy of the C quantiser: [min(x, 0), max(x, 0)] onto 0...255.
    private struct RowCodes {
        var codes: [Int], zero: Int, scale: Float

        init(_ x: [Float]) {
            let low = min(x.min() ?? 0, 0), high = max(x.max() ?? 0, 0)
            let range = high - low
            var inverse: Float = 0
            scale = 0
            zero = 0
            if range > 0 {
                scale = range / 255
                inverse = 255 / range
                zero = min(Int((-low * inverse).rounded(.toNearestOrEven)), 255)
            }
            let (inverse_, zero_) = (inverse, zero)
            codes = x.map { min(max(Int(($0 * inverse_).rounded(.toNearestOrEven)) + zero_, 0), 255) }
        }
    }

    private func pack(_ w: [Float], _ k: Int, _ n: Int) -> Int8PackedWeight {
        w.withUnsafeBufferPointer { Int8PackedWeight(inputMajor: $0.baseAddress!, inFeatures: k, outFeatures: n) }
    }

    private func product(
        _ packed: Int8PackedWeight, _ a: [Float], rows: Int, start: [Float]?, accumulate: Bool, bias: [Float]?,
        level: InstructionSet, alone: Bool = false
    ) -> [Float] {
        var c = start ?? [Float](repeating: 0, count: rows * packed.outFeatures)
        let b = bias ?? []
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let output = c.baseAddress!, addend = bias == nil ? nil : b.baseAddress!
                    if alone {
                        ParallelRegion.run {
                            packed.multiply(
                                a.baseAddress!, rows: rows, into: output, accumulate: accumulate, bias: addend,
                                instructionSet: level)
                        }
                    } else {
                        packed.multiply(
                            a.baseAddress!, rows: rows, into: output, accumulate: accumulate, bias: addend,
                            instructionSet: level)
                    }
                }
            }
        }
        return c
    }

    private func random(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1 ... 1, using: &generator) }
    }
}
