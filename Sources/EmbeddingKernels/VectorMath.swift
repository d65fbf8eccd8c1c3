/// Small vector helpers shared by pooling, projection heads and scorers.
public enum VectorMath {
    /// Scales `values` to unit L2 norm in place (left unchanged when the norm is zero), the
    /// `torch.nn.functional.normalize` of sentence-transformers' Normalize module (eps 1e-12).
    public static func normalize(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var squares: Double = 0
        for i in 0..<count { squares += Double(values[i]) * Double(values[i]) }
        let norm = max(squares.squareRoot(), 1e-12)
        let inverse = Float(1 / norm)
        for i in 0..<count { values[i] *= inverse }
    }

    /// `normalize` on an array.
    public static func normalized(_ values: [Float]) -> [Float] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, count: $0.count) }
        return copy
    }

    /// Dot product accumulated in Double.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var sum: Double = 0
        for i in 0..<count { sum += Double(a[i]) * Double(b[i]) }
        return sum
    }
}
