import Testing

@testable import ImageIO

/// Properties of the Pillow-compatible resampler (exactness against Pillow itself is checked
/// end to end by PreprocessingGoldenTests).
@Suite struct PillowResamplerTests {
    static func randomImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var generator = SampleGenerator(seed: seed)
        return RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8(generator.next(below: 256)) })
    }

    static func resize(_ image: RGBImage, width: Int, height: Int, filter: ResampleFilter) -> RGBImage {
        PillowResampler.resize(image, width: width, height: height, filter: filter, columns: 0..<width, rows: 0..<height)
    }

    /// Computing only the crop window gives exactly the pixels of a full resize then crop.
    @Test(arguments: ResampleFilter.allCases)
    func windowEqualsFullResizeThenCrop(filter: ResampleFilter) {
        let image = Self.randomImage(width: 37, height: 23, seed: 3)
        for (width, height) in [(11, 29), (60, 9), (37, 12), (20, 23), (74, 46)] {
            let full = Self.resize(image, width: width, height: height, filter: filter)
            let columns = (width / 3)..<(width - width / 4)
            let rows = (height / 4)..<(height - height / 3)
            let window = PillowResampler.resize(image, width: width, height: height, filter: filter, columns: columns, rows: rows)
            #expect(window == PillowResampler.crop(full, columns: columns, rows: rows), "\(filter) to \(width) x \(height)")
        }
    }

    /// Weights are normalised per output pixel, so flat colour survives any filter and scale.
    @Test(arguments: ResampleFilter.allCases)
    func flatColourStaysFlat(filter: ResampleFilter) {
        for value: UInt8 in [0, 1, 128, 254, 255] {
            let image = RGBImage(width: 50, height: 31, pixels: [UInt8](repeating: value, count: 50 * 31 * 3))
            for (width, height) in [(7, 5), (50, 90), (123, 4)] {
                let resized = Self.resize(image, width: width, height: height, filter: filter)
                #expect(resized.pixels.allSatisfy { $0 == value }, "\(filter) \(value) to \(width) x \(height)")
            }
        }
    }

    /// Pillow skips an axis whose size does not change.
    @Test func unchangedSizeIsACopy() {
        let image = Self.randomImage(width: 16, height: 9, seed: 5)
        #expect(Self.resize(image, width: 16, height: 9, filter: .bicubic) == image)
    }

    /// Halving with the box filter averages 2 x 2 blocks, rounding half up after each pass:
    /// green rows average to 15 and 35.5 -> 36, then (15 + 36) / 2 = 25.5 -> 26, where a
    /// single-pass average would give 25.25 -> 25.
    @Test func boxHalvingRoundsAfterEachPass() {
        let image = RGBImage(width: 2, height: 2, pixels: [0, 10, 255, 1, 20, 255, 2, 30, 0, 4, 41, 0])
        let half = Self.resize(image, width: 1, height: 1, filter: .box)
        #expect(half.pixels == [2, 26, 128])
    }

    /// Bicubic overshoots at sharp edges; Pillow clamps after each pass.
    @Test func overshootIsClamped() {
        var pixels = [UInt8](repeating: 0, count: 8 * 1 * 3)
        for x in 4..<8 { pixels[3 * x] = 255; pixels[3 * x + 1] = 255; pixels[3 * x + 2] = 255 }
        let upscaled = Self.resize(RGBImage(width: 8, height: 1, pixels: pixels), width: 32, height: 1, filter: .bicubic)
        #expect(upscaled.pixels.contains(0) && upscaled.pixels.contains(255))
        #expect(upscaled.pixels.count == 32 * 3)
    }
}
