/// Row-wise softmax.
public enum Softmax {
    /// Replaces each of `rows` rows of `width` values by its softmax, in place. Minus infinity
    /// stands for a masked position and gets probability 0; a row with every position masked
    /// becomes all zeros instead of NaN.
    public static func apply(_ values: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for row in 0..<rows {
            let line = values + row * width
            var maximum = -Float.infinity
            for i in 0..<width { maximum = max(maximum, line[i]) }
            guard maximum > -.infinity else {
                line.update(repeating: 0, count: width)
                continue
            }
            var total: Float = 0
            for i in 0..<width {
                let e = line[i] == -.infinity ? 0 : expf(line[i] - maximum)
                line[i] = e
                total += e
            }
            let inverse = 1 / total
            for i in 0..<width { line[i] *= inverse }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
