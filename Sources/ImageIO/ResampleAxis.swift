/// Pillow's per-axis convolution table for one resize: for each output position, the first
/// source index, how many source samples it reads, and their weights in fixed point.
///
/// Built exactly as Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`: when shrinking,
/// the kernel is stretched by the scale factor (antialiasing), each output's weights are
/// normalised to sum to 1 in double precision, then rounded half away from zero to signed
/// integers with 22 fractional bits. The integer weights are what make the result
/// byte-identical to Pillow; float weights would differ by one level here and there.
struct ResampleAxis {
    /// Fractional bits of the fixed-point weights: 32 - 8 (sample) - 2 (headroom for the
    /// overshoot of negative lobes), as in Pillow.
    static let precisionBits: Int32 = 22
    /// Rounding offset added to every accumulator before the final shift.
    static let roundingBias: Int32 = 1 << (precisionBits - 1)

    /// The output positions this table covers (a window of the full output axis).
    let outputRange: Range<Int>
    /// Maximum number of taps per output position; `weights` is laid out with this stride.
    let kernelSize: Int
    /// First source index read by each output position in `outputRange`.
    let starts: [Int]
    /// Number of source samples read by each output position.
    let counts: [Int]
    /// `outputRange.count * kernelSize` fixed-point weights, unused taps zero.
    let weights: [Int32]

    /// The source indices any output in the window reads (tables are monotonic).
    var inputRange: Range<Int> {
        guard let first = starts.first, let lastStart = starts.last, let lastCount = counts.last
        else { return 0..<0 }
        return first..<(lastStart + lastCount)
    }

    /// Table for resizing `inputSize` samples to `outputSize`, restricted to `outputRange`.
    /// Restricting changes nothing in the covered outputs: each depends only on its own row
    /// of the table, which is computed against the full-size scale.
    init(inputSize: Int, outputSize: Int, outputRange: Range<Int>, filter: ResampleFilter) {
        precondition(inputSize > 0 && outputSize > 0, "resize between empty sizes")
        // Pillow takes the source extent from a float box; Float() reproduces that rounding
        // for the (rare) sizes above 2^24.
        let scale = Double(Float(inputSize)) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let inverseFilterScale = 1.0 / filterScale
        let kernelSize = Int(support.rounded(.up)) * 2 + 1

        var starts = [Int](repeating: 0, count: outputRange.count)
        var counts = [Int](repeating: 0, count: outputRange.count)
        var weights = [Int32](repeating: 0, count: outputRange.count * kernelSize)
        var kernel = [Double](repeating: 0, count: kernelSize)

        for (slot, position) in outputRange.enumerated() {
            let center = (Double(position) + 0.5) * scale
            // Int() truncates toward zero like Pillow's (int) casts; keep it that way.
            let first = max(Int(center - support + 0.5), 0)
            let end = min(Int(center + support + 0.5), inputSize)
            let count = max(end - first, 0)
            var total = 0.0
            for tap in 0..<count {
                let weight = filter.weight((Double(tap + first) - center + 0.5) * inverseFilterScale)
                kernel[tap] = weight
                total += weight
            }
            for tap in 0..<count {
                let normalised = total != 0 ? kernel[tap] / total : kernel[tap]
                weights[slot * kernelSize + tap] = Self.fixedPoint(normalised)
            }
            starts[slot] = first
            counts[slot] = count
        }
        self.outputRange = outputRange
        self.kernelSize = kernelSize
        self.starts = starts
        self.counts = counts
        self.weights = weights
    }

    /// Rounds half away from zero to 22 fractional bits, as Pillow does.
    private static func fixedPoint(_ weight: Double) -> Int32 {
        let scaled = weight * Double(1 << precisionBits)
        return Int32(weight < 0 ? scaled - 0.5 : scaled + 0.5)
    }

    /// Back from the accumulator to a sample: drop the fraction, clamp to 0...255. Pillow clamps
    /// after each pass, so overshoot from negative lobes never carries into the next pass.
    @inline(__always)
    static func clampToByte(_ accumulator: Int32) -> UInt8 {
        let value = accumulator >> precisionBits
        return value < 0 ? 0 : value > 255 ? 255 : UInt8(truncatingIfNeeded: value)
    }
}
