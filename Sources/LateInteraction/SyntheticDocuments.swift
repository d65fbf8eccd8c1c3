/// Documents whose vectors are a pure function of their id.
///
/// A crash test writes them from one process and checks them from another: since the vectors can
/// be rebuilt from the id alone, "intact" means bit-equal to what was written without the writer
/// having to report its vectors. Benchmarks use them for reproducible corpora.
public enum SyntheticDocuments {
    /// Between 1 and `maxVectors` L2-normalised vectors of width `dimension`, seeded by a hash of
    /// `id` (FNV-1a over its UTF-8 bytes, stable across runs and machines).
    public static func vectors(id: String, dimension: Int, maxVectors: Int = 40) -> MultiVector {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        var state = hash
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let width = max(dimension, 1)
        let count = 1 + Int(next() % UInt64(max(maxVectors, 1)))
        var values = [Float](repeating: 0, count: count * width)
        for row in 0 ..< count {
            var squares: Float = 0
            for i in 0 ..< width {
                // Uniform in [-1, 1), never all zero in practice; a zero row would stay zero.
                let value = Float(next() >> 40) / Float(1 << 23) - 1
                values[row * width + i] = value
                squares += value * value
            }
            let inverse = 1 / max(squares.squareRoot(), 1e-12)
            for i in 0 ..< width { values[row * width + i] *= inverse }
        }
        return MultiVector(unchecked: width, values)
    }
}
