import EmbeddingTesting
import Foundation
import ImageIO
import Testing

/// Our decode + preprocess against transformers' CLIPImageProcessorPil on every fixture image.
/// Tolerance from Tests/Fixtures/README.md: 0.02 per component (one 8-bit level is about
/// 0.0146 after normalisation, so this allows at most a one-level difference).
///
/// We in fact reproduce Pillow bit for bit, so PNG fixtures (whose decoding is pure integer
/// arithmetic, independent of library versions) are also held to the golden file's own
/// precision (6 decimals): that catches a one-level slip, e.g. in the fixed-point weights,
/// that 0.02 lets through. JPEG output could differ by a level with another libjpeg build.
@Suite struct PreprocessingGoldenTests {
    static let tolerance: Float = 0.02
    static let exactTolerance: Float = 1e-5

    @Test(arguments: try! ClipGolden.load().images.map(\.file))
    func pixelValuesMatchTransformers(file: String) throws {
        let golden = try #require(try ClipGolden.load().images.first { $0.file == file })
        let preprocessor = try ImagePreprocessor.load(modelDirectory: Fixtures.url("tiny-clip"))
        let image = try ImageDecoder.decode(try ClipGolden.bytes(of: file), name: file)
        let pixels = preprocessor.pixelValues(image)

        #expect(pixels.channels == 3 && pixels.height == 64 && pixels.width == 64)
        let difference = Closeness.maxAbsDifference(pixels.values, golden.pixelValues)
        let mismatches = zip(pixels.values, golden.pixelValues).filter { abs($0 - $1) > Self.exactTolerance }.count
        print("pixel_values \(file): max |difference| \(difference), \(mismatches) of \(pixels.values.count) components differ")
        #expect(difference <= Self.tolerance, "\(file): max difference \(difference)")
        if file.hasSuffix(".png") {
            #expect(mismatches == 0, "\(file): \(mismatches) components off by more than \(Self.exactTolerance)")
        }
    }
}

/// Behaviour of the pipeline beyond the golden images.
@Suite struct PreprocessingBehaviourTests {
    /// Dropping alpha (Pillow's convert("RGB")) does not reproduce transformers on the RGBA
    /// fixtures: compositing over white is what the reference does.
    @Test func droppingAlphaDoesNotMatchTheReference() throws {
        let golden = try #require(try ClipGolden.load().images.first { $0.file == "gradient-rgba.png" })
        let preprocessor = try ImagePreprocessor.load(modelDirectory: Fixtures.url("tiny-clip"))
        let image = try ImageDecoder.decode(try ClipGolden.bytes(of: golden.file), name: golden.file, alpha: .drop)
        #expect(Closeness.maxAbsDifference(preprocessor.pixelValues(image).values, golden.pixelValues) > 0.5)
    }

    /// With rescale and normalise off, values are the resized bytes themselves.
    @Test func rawBytesWithoutRescaleOrNormalise() {
        let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        let config = ImagePreprocessorConfig(doResize: false, doCenterCrop: false, doRescale: false, doNormalize: false)
        let pixels = ImagePreprocessor(config: config).pixelValues(image)
        #expect(pixels.values == [1, 4, 2, 5, 3, 6])  // channel-major
    }

    /// Exact values: byte 255 with CLIP's red mean/std is (1 - 0.48145466) / 0.26862954.
    @Test func normalisationMatchesNumpyFloat32() {
        let image = RGBImage(width: 1, height: 1, pixels: [255, 0, 128])
        let config = ImagePreprocessorConfig(doResize: false, doCenterCrop: false)
        let values = ImagePreprocessor(config: config).pixelValues(image).values
        #expect(values[0] == (Float(1.0) - Float(0.48145466)) / Float(0.26862954))
        #expect(values[1] == (Float(0) - Float(0.4578275)) / Float(0.26130258))
        #expect(values[2] == (Float(Double(128) / 255.0) - Float(0.40821073)) / Float(0.27577711))
    }

    /// A 1 x 4000 strip resized to shortest edge 64 would be 64 x 256000 pixels; only the crop
    /// is computed, so this is cheap.
    @Test func extremeAspectRatioOnlyComputesTheCrop() {
        let image = RGBImage(width: 4000, height: 1, pixels: [UInt8](repeating: 90, count: 12_000))
        let config = ImagePreprocessorConfig(size: .shortestEdge(64, longestEdge: nil), cropSize: .init(height: 64, width: 64))
        let pixels = ImagePreprocessor(config: config).pixelValues(image)
        #expect(pixels.height == 64 && pixels.width == 64)
        let expected = ImagePreprocessor(config: config).pixelValues(RGBImage(width: 1, height: 1, pixels: [90, 90, 90]))
        #expect(pixels.values == expected.values)
    }
}
