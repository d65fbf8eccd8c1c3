import EmbeddingTesting
import Foundation
import ImageIO
import Testing

/// Decode and preprocessing times in ms per image, printed.
///
/// Opt-in, since timings are only meaningful in release builds on a quiet machine:
/// `IMAGEIO_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter PreprocessingSpeed`
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IMAGEIO_BENCH"] != nil))
struct PreprocessingSpeedTests {
    static func milliseconds(rounds: Int, _ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        try body()  // warm up
        let elapsed = try clock.measure { for _ in 0..<rounds { try body() } }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return seconds * 1000 / Double(rounds)
    }

    @Test func photoAt224() throws {
        var generator = SampleGenerator(seed: 1)
        let photo = RGBImage(width: 1000, height: 1000, pixels: (0..<3_000_000).map { _ in UInt8(generator.next(below: 256)) })
        let preprocessor = ImagePreprocessor(config: ImagePreprocessorConfig())  // CLIP ViT-B/32: 224
        let preprocess = Self.milliseconds(rounds: 50) { _ = preprocessor.pixelValues(photo) }
        print("preprocess 1000 x 1000 -> 3 x 224 x 224 (bicubic, crop, normalise): \(preprocess) ms")

        let jpeg = try ClipGolden.bytes(of: "photo-kafka.jpg")
        let decodeJPEG = try Self.milliseconds(rounds: 50) { _ = try ImageDecoder.decode(jpeg, name: "kafka") }
        print("decode photo-kafka.jpg (450 x 655): \(decodeJPEG) ms")

        let png = try ClipGolden.bytes(of: "diagram-clip.png")
        let decodePNG = try Self.milliseconds(rounds: 20) { _ = try ImageDecoder.decode(png, name: "diagram") }
        print("decode diagram-clip.png (2162 x 762 RGBA, composited): \(decodePNG) ms")
        #expect(preprocess > 0)
    }
}
