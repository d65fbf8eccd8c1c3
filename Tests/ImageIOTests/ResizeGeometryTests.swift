import ImageIO
import Testing

/// Target sizes and crop placement, with transformers' integer rounding.
@Suite struct ResizeGeometryTests {
    static let clip64 = ImagePreprocessorConfig(size: .shortestEdge(64, longestEdge: nil), cropSize: .init(height: 64, width: 64))

    /// The fixture sizes, resized as transformers did for golden.json (long edge truncated).
    @Test(arguments: [
        [2162, 762, 181, 64], [850, 1100, 64, 82], [300, 200, 96, 64], [450, 655, 64, 93],
        [40, 200, 64, 320], [10, 7, 91, 64], [64, 64, 64, 64],
    ])
    func shortestEdge(sizes: [Int]) {
        let resized = Self.clip64.resizedSize(width: sizes[0], height: sizes[1])
        #expect([resized.width, resized.height] == [sizes[2], sizes[3]])
    }

    @Test func longestEdgeCapsTheTarget() {
        let config = ImagePreprocessorConfig(size: .shortestEdge(100, longestEdge: 150))
        // 1000 x 200: 100 x 500 would exceed 150, so the short edge becomes round(150 * 200 / 1000) = 30.
        #expect(config.resizedSize(width: 1000, height: 200) == (150, 30))
        // Within the cap: like shortest_edge alone.
        #expect(config.resizedSize(width: 120, height: 100) == (120, 100))
        // raw short edge 150 * 193 / 300 = 96.5: Python's round() gives 96 (half to even).
        #expect(config.resizedSize(width: 193, height: 300) == (96, 150))
    }

    @Test func exactSizeIgnoresAspectRatio() {
        let config = ImagePreprocessorConfig(size: .exact(height: 30, width: 40), doCenterCrop: false)
        #expect(config.resizedSize(width: 1000, height: 10) == (40, 30))
        #expect(config.outputSize(width: 1000, height: 10) == (40, 30))
    }

    @Test func extremeAspectRatioNeverYieldsAnEmptyImage() {
        let config = ImagePreprocessorConfig(size: .shortestEdge(10, longestEdge: 20))
        let resized = config.resizedSize(width: 100_000, height: 1)
        #expect(resized.width == 20 && resized.height >= 1)
    }

    /// transformers: crop from (size - crop) // 2; when smaller, pad ceil((crop - size) / 2)
    /// zeros before the image. Checked through the output of a plain crop without resizing.
    @Test(arguments: [(2, 4, [0, 1, 2, 0]), (3, 4, [0, 1, 2, 3]), (7, 4, [2, 3, 4, 5]), (6, 4, [2, 3, 4, 5])])
    func cropPlacement(size: Int, crop: Int, expectedSourcePlusOne: [Int]) {
        // Row y of the image holds value y + 1 in every channel, so 0 marks padding.
        let image = RGBImage(width: 1, height: size, pixels: (0..<size).flatMap { y in [UInt8](repeating: UInt8(y + 1), count: 3) })
        let config = ImagePreprocessorConfig(
            doResize: false, cropSize: .init(height: crop, width: 1), doRescale: false, doNormalize: false)
        let pixels = ImagePreprocessor(config: config).pixelValues(image)
        #expect(pixels.height == crop && pixels.width == 1)
        #expect((0..<crop).map { Int(pixels[0, $0, 0]) } == expectedSourcePlusOne)
    }
}
