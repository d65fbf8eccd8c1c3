/// Layer normalisation over the last dimension, as `torch.nn.LayerNorm`.
public enum LayerNorm {
    /// Normalises each of `rows` rows of `width` values in place: `(x - mean) / sqrt(var + eps)`
    /// then `* gamma + beta`. When `residual` is given it is added first (`x += residual`), the
    /// post-LN `LayerNorm(x + sublayer(x))` of BERT in one pass over memory.
    ///
    /// Mean and variance are accumulated in Double: activations of a trained model reach the
    /// hundreds in a few channels, and float32 sums of squares lose the 1e-4 parity otherwise.
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
    public static func apply(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        if UnsafePointer(output) != input { output.update(from: input, count: rows * width) }
        apply(output, rows: rows, width: width, gamma: gamma, beta: beta, epsilon: epsilon)
    }

    @inlinable
    static func normalise(
        _ line: UnsafeMutablePointer<Float>, width: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        var sum: Double = 0
        for i in 0..<width { sum += Double(line[i]) }
        let mean = sum / Double(width)
        var squares: Double = 0
        for i in 0..<width {
            let d = Double(line[i]) - mean
            squares += d * d
        }
        let inverse = Float(1 / (squares / Double(width) + Double(epsilon)).squareRoot())
        let meanF = Float(mean)
        for i in 0..<width {
            line[i] = (line[i] - meanF) * inverse * gamma[i] + beta[i]
        }
    }
}
