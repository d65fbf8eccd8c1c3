/// `torch.nn.functional.interpolate(mode="bicubic", align_corners=False)` without antialiasing,
/// the resize transformers applies to ViT position embeddings for other grids.
enum BicubicResize {
    /// PyTorch's cubic convolution coefficient.
    static let a: Double = -0.75

    /// Resizes a `height x width` grid of `channels`-vectors (row-major, channels last).
    static func resizeGrid(_ values: [Float], height: Int, width: Int, channels: Int, toHeight: Int, toWidth: Int) -> [Float] {
        let ys = taps(input: height, output: toHeight)
        let xs = taps(input: width, output: toWidth)
        var out = [Float](repeating: 0, count: toHeight * toWidth * channels)
        var accumulator = [Double](repeating: 0, count: channels)
        for oy in 0..<toHeight {
            for ox in 0..<toWidth {
                for c in 0..<channels { accumulator[c] = 0 }
                for (iy, wy) in ys[oy] {
                    for (ix, wx) in xs[ox] {
                        let weight = wy * wx
                        let base = (iy * width + ix) * channels
                        for c in 0..<channels { accumulator[c] += weight * Double(values[base + c]) }
                    }
                }
                let target = (oy * toWidth + ox) * channels
                for c in 0..<channels { out[target + c] = Float(accumulator[c]) }
            }
        }
        return out
    }

    /// For each output index, the four (clamped) input indices and their weights.
    static func taps(input: Int, output: Int) -> [[(Int, Double)]] {
        let scale = Double(input) / Double(output)
        return (0..<output).map { o in
            let source = (Double(o) + 0.5) * scale - 0.5
            let floor = source.rounded(.down)
            let t = source - floor
            let weights = [cubic(t + 1), cubic(t), cubic(1 - t), cubic(2 - t)]
            return (0..<4).map { k in
                let index = min(max(Int(floor) - 1 + k, 0), input - 1)
                return (index, weights[k])
            }
        }
    }

    /// Keys' cubic convolution kernel with parameter `a`.
    static func cubic(_ x: Double) -> Double {
        let x = abs(x)
        if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }
}
