import EmbeddingTesting
import ImageIO
import Testing

/// Every PNG colour type and bit depth, plain and Adam7-interlaced, built in the test with
/// known samples, against the RGB that Pillow (+ transformers' convert_to_rgb) produces.
@Suite struct PNGColorTypeTests {
    /// 13 x 11: odd sizes leave some Adam7 passes partly filled and exercise sub-byte row ends.
    static let width = 13
    static let height = 11

    static func builder(_ colorType: PNGBuilder.ColorType, bitDepth: Int, seed: UInt64 = 7) -> PNGBuilder {
        var generator = SampleGenerator(seed: seed)
        let count = width * height * colorType.samplesPerPixel
        let samples = (0..<count).map { _ in generator.next(below: 1 << bitDepth) }
        return PNGBuilder(width: width, height: height, colorType: colorType, bitDepth: bitDepth, samples: samples)
    }

    /// Pillow's 8-bit view of a sample: bit replication for 1/2/4 bits, high byte for 16.
    static func eightBit(_ sample: Int, bitDepth: Int) -> UInt8 {
        switch bitDepth {
        case 1: return UInt8(sample * 255)
        case 2: return UInt8(sample * 85)
        case 4: return UInt8(sample * 17)
        case 8: return UInt8(sample)
        default: return UInt8(sample >> 8)
        }
    }

    /// Pillow's alpha_composite over opaque white (reference values: (0, alpha 128) -> 127,
    /// (100, alpha 1) -> 254, alpha 255 -> unchanged, alpha 0 -> 255).
    static func overWhite(_ value: UInt8, alpha: UInt8) -> UInt8 {
        if alpha == 0 { return 255 }
        let blended = Int(value) * Int(alpha) * 128 + 255 * (255 - Int(alpha)) * 128 + (0x80 << 7)
        return UInt8((((blended >> 8) + blended) >> 8) >> 7)
    }

    @Test func compositeReferenceValues() {
        #expect(Self.overWhite(0, alpha: 128) == 127)
        #expect(Self.overWhite(100, alpha: 1) == 254)
        #expect((0...255).allSatisfy { Self.overWhite(UInt8($0), alpha: 255) == UInt8($0) })
    }

    /// Decodes `builder` plain and interlaced under `alpha`; both must equal `expected`.
    static func check(
        _ builder: PNGBuilder, alpha: AlphaPolicy = .compositeOnWhite,
        expected: (_ pixel: Int) -> (UInt8, UInt8, UInt8),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let expectedPixels = (0..<(width * height)).flatMap { index -> [UInt8] in
            let (r, g, b) = expected(index)
            return [r, g, b]
        }
        for interlaced in [false, true] {
            var variant = builder
            variant.interlaced = interlaced
            let image = try ImageDecoder.decode(variant.build(), name: "synthetic.png", alpha: alpha)
            #expect(image.width == width && image.height == height, sourceLocation: sourceLocation)
            let firstBad = zip(image.pixels, expectedPixels).enumerated().first { $0.element.0 != $0.element.1 }
            let label = "\(builder.colorType) \(builder.bitDepth)-bit interlaced=\(interlaced) alpha=\(alpha)"
            #expect(
                firstBad == nil,
                "\(label): sample \(firstBad?.offset ?? -1) is \(firstBad?.element.0 ?? 0), expected \(firstBad?.element.1 ?? 0)",
                sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [1, 2, 4, 8, 16])
    func gray(bitDepth: Int) throws {
        let png = Self.builder(.gray, bitDepth: bitDepth)
        try Self.check(png) { index in
            let value = Self.eightBit(png.samples[index], bitDepth: bitDepth)
            return (value, value, value)
        }
    }

    @Test(arguments: [8, 16], AlphaPolicy.allCases)
    func grayAlpha(bitDepth: Int, alpha: AlphaPolicy) throws {
        let png = Self.builder(.grayAlpha, bitDepth: bitDepth)
        try Self.check(png, alpha: alpha) { index in
            let gray = Self.eightBit(png.samples[2 * index], bitDepth: bitDepth)
            let opacity = Self.eightBit(png.samples[2 * index + 1], bitDepth: bitDepth)
            let value = alpha == .drop ? gray : Self.overWhite(gray, alpha: opacity)
            return (value, value, value)
        }
    }

    @Test(arguments: [8, 16])
    func rgb(bitDepth: Int) throws {
        let png = Self.builder(.rgb, bitDepth: bitDepth)
        try Self.check(png) { index in
            let sample = { Self.eightBit(png.samples[3 * index + $0], bitDepth: bitDepth) }
            return (sample(0), sample(1), sample(2))
        }
    }

    @Test(arguments: [8, 16], AlphaPolicy.allCases)
    func rgba(bitDepth: Int, alpha: AlphaPolicy) throws {
        let png = Self.builder(.rgba, bitDepth: bitDepth)
        try Self.check(png, alpha: alpha) { index in
            let sample = { Self.eightBit(png.samples[4 * index + $0], bitDepth: bitDepth) }
            guard alpha == .compositeOnWhite else { return (sample(0), sample(1), sample(2)) }
            let opacity = sample(3)
            return (Self.overWhite(sample(0), alpha: opacity), Self.overWhite(sample(1), alpha: opacity),
                    Self.overWhite(sample(2), alpha: opacity))
        }
    }

    /// Palettes shorter than the index range are legal; indices stay within them here. The
    /// tRNS chunk covers only the first entries: the rest are opaque.
    @Test(arguments: [1, 2, 4, 8], AlphaPolicy.allCases)
    func paletteWithTransparency(bitDepth: Int, alpha: AlphaPolicy) throws {
        var png = Self.builder(.palette, bitDepth: bitDepth)
        let entries = 1 << bitDepth
        png.palette = (0..<entries).map { entry -> (UInt8, UInt8, UInt8) in
            let red = UInt8(entry * 7 % 256)
            let green = UInt8(255 - entry)
            let blue = UInt8(entry * 31 % 256)
            return (red, green, blue)
        }
        let opacities: [UInt8] = (0..<max(1, entries / 2)).map { UInt8($0 * 97 % 256) }
        png.transparency = opacities
        try Self.check(png, alpha: alpha) { index in
            let entry = png.samples[index]
            let (r, g, b) = png.palette[entry]
            let opacity = entry < opacities.count ? opacities[entry] : 255
            guard alpha == .compositeOnWhite else { return (r, g, b) }
            return (Self.overWhite(r, alpha: opacity), Self.overWhite(g, alpha: opacity), Self.overWhite(b, alpha: opacity))
        }
    }

    @Test(arguments: AlphaPolicy.allCases)
    func grayColorKey(alpha: AlphaPolicy) throws {
        var png = Self.builder(.gray, bitDepth: 8)
        let key = png.samples[5]
        png.transparency = PNGBuilder.pack([key], bitDepth: 16)
        try Self.check(png, alpha: alpha) { index in
            let value = UInt8(png.samples[index])
            let keyed = alpha == .compositeOnWhite && png.samples[index] == key
            return keyed ? (255, 255, 255) : (value, value, value)
        }
    }

    /// Pillow compares scaled 1/2/4-bit samples with the unscaled key, so only key 0 matches.
    @Test(arguments: [0, 2])
    func lowBitGrayColorKeyFollowsPillow(key: Int) throws {
        var png = Self.builder(.gray, bitDepth: 2)
        png.transparency = PNGBuilder.pack([key], bitDepth: 16)
        try Self.check(png) { index in
            let value = Self.eightBit(png.samples[index], bitDepth: 2)
            return key == 0 && png.samples[index] == 0 ? (255, 255, 255) : (value, value, value)
        }
    }

    /// transformers returns RGB images untouched, so an RGB colour key is ignored.
    @Test func rgbColorKeyIsIgnored() throws {
        var png = Self.builder(.rgb, bitDepth: 8)
        png.transparency = PNGBuilder.pack(Array(png.samples[0..<3]), bitDepth: 16)
        try Self.check(png) { index in
            (UInt8(png.samples[3 * index]), UInt8(png.samples[3 * index + 1]), UInt8(png.samples[3 * index + 2]))
        }
    }
}
