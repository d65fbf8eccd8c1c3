/// Layer normalisation over the last dimension, as `torch.nn.LayerNorm`.
public enum LayerNorm {
    /// Normalises each of `rows` rows of `width` values in place: `(x - mean) / sqrt(var + eps)`
    /// then `* gamma + beta`. When `residual` is given it is added first (`x += residual`), the
    /// post-LN `LayerNorm(x + sublayer(x))` of BERT in one pass over memory.
    ///
    /// Variance is taken around the mean (two passes), not as E[x²] − E[x]²: activations of a
    /// trained model reach the hundreds in a few channels, and the one-pass formula cancels
    /// catastrophically in float32. Sums run in eight float32 lanes, whose rounding error over a
    /// few thousand values stays far below the 1e-4 parity budget.
    public static func apply(
        _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
        residual: UnsafePointer<Float>? = nil
    ) {
        let output = SendablePointer(x)
        let gammaPointer = SendableConstPointer(gamma)
        let betaPointer = SendableConstPointer(beta)
        let residualPointer = residual.map(SendableConstPointer.init)
        parallelChunks(rows, minimumPerChunk: max(1, 16_384 / max(width, 1))) { range in
            for row in range {
                let line = output.base + row * width
                if let residualPointer {
                    let add = residualPointer.base + row * width
                    for i in 0..<width { line[i] += add[i] }
                }
                normalise(line, width: width, gamma: gammaPointer.base, beta: betaPointer.base, epsilon: epsilon)
            }
        }
    }

    /// Normalises rows from `input` into `output` (which may alias it).
    ///
    /// Reads `input` and writes `output` in the same pass instead of copying first: the pre-LN
    /// CLIP layers normalise every token twice per layer, and the copy was a full extra sweep
    /// over the hidden state each time.
    public static func apply(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        let source = SendableConstPointer(input)
        let target = SendablePointer(output)
        let gammaPointer = SendableConstPointer(gamma)
        let betaPointer = SendableConstPointer(beta)
        parallelChunks(rows, minimumPerChunk: max(1, 16_384 / max(width, 1))) { range in
            for row in range {
                normalise(
                    source.base + row * width, into: target.base + row * width, width: width,
                    gamma: gammaPointer.base, beta: betaPointer.base, epsilon: epsilon)
            }
        }
    }

    @inlinable
    static func normalise(
        _ line: UnsafeMutablePointer<Float>, width: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        normalise(line, into: line, width: width, gamma: gamma, beta: beta, epsilon: epsilon)
    }

    @inlinable
    static func normalise(
        _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, width: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        let mean = laneSum(input, width, { $0 }) / Float(width)
        let variance = laneSum(input, width, { ($0 - mean) * ($0 - mean) }) / Float(width)
        let inverse = 1 / (variance + epsilon).squareRoot()
        for i in 0..<width {
            output[i] = (input[i] - mean) * inverse * gamma[i] + beta[i]
        }
    }

    /// `Σ transform(values[i])`, accumulated in eight independent lanes so it vectorises.
    @inlinable @inline(__always)
    static func laneSum(_ values: UnsafePointer<Float>, _ count: Int, _ transform: (SIMD8<Float>) -> SIMD8<Float>) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            lanes += transform(UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += transform(SIMD8(repeating: values[i]))[0]
            i += 1
        }
        return total
    }
}
