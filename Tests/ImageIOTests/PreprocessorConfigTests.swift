import EmbeddingTesting
import Foundation
import ImageIO
import Testing

@Suite struct PreprocessorConfigTests {
    static func decode(_ json: String) throws -> ImagePreprocessorConfig {
        try JSONDecoder().decode(ImagePreprocessorConfig.self, from: Data(json.utf8))
    }

    @Test func tinyClipFixture() throws {
        let preprocessor = try ImagePreprocessor.load(modelDirectory: Fixtures.url("tiny-clip"))
        let config = preprocessor.config
        #expect(config.size == .shortestEdge(64, longestEdge: nil))
        #expect(config.cropSize == .init(height: 64, width: 64))
        #expect(config.resample == .bicubic)
        #expect(config.doResize && config.doCenterCrop && config.doRescale && config.doNormalize)
        #expect(config.rescaleFactor == 0.00392156862745098)
        #expect(config.imageMean == ImagePreprocessorConfig.openAIClipMean)
        #expect(config.imageStd == ImagePreprocessorConfig.openAIClipStd)
    }

    /// Older checkpoints (CLIPFeatureExtractor era) write sizes as integers.
    @Test func integerSizes() throws {
        let config = try Self.decode(#"{"size": 224, "crop_size": 224, "resample": 2, "image_mean": 0.5, "image_std": 0.5}"#)
        #expect(config.size == .shortestEdge(224, longestEdge: nil))
        #expect(config.cropSize == .init(height: 224, width: 224))
        #expect(config.resample == .bilinear)
        #expect(config.imageMean == [0.5, 0.5, 0.5] && config.imageStd == [0.5, 0.5, 0.5])
    }

    @Test func exactSizeWithoutCrop() throws {
        let config = try Self.decode(#"{"size": {"height": 384, "width": 512}, "do_center_crop": false, "crop_size": null}"#)
        #expect(config.size == .exact(height: 384, width: 512))
        #expect(!config.doCenterCrop)
        #expect(config.outputSize(width: 10, height: 10) == (512, 384))
    }

    @Test func missingKeysTakeClipDefaults() throws {
        #expect(try Self.decode("{}") == ImagePreprocessorConfig())
    }

    @Test(arguments: [
        #"{"resample": 9}"#,
        #"{"size": {"max_height": 10, "max_width": 10}}"#,
        #"{"size": {"shortest_edge": 0}}"#,
        #"{"image_std": [0.2, 0, 0.3]}"#,
        #"{"image_mean": [0.5, 0.5]}"#,
        #"{"crop_size": {"height": 10}}"#,
        #"{"do_resize": "yes"}"#,
    ])
    func invalidConfigsAreRefused(json: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imageio-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(json.utf8).write(to: directory.appendingPathComponent("preprocessor_config.json"))
        let error = imageError { try ImagePreprocessor.load(modelDirectory: directory) }
        guard case .invalidPreprocessorConfig(let path, let reason) = error else {
            Issue.record("\(json): expected invalidPreprocessorConfig, got \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("preprocessor_config.json") && !reason.isEmpty)
    }

    @Test func missingFileIsReported() {
        let error = imageError { try ImagePreprocessor.load(modelDirectory: URL(fileURLWithPath: "/nonexistent/model")) }
        guard case .invalidPreprocessorConfig(let path, _) = error else {
            Issue.record("expected invalidPreprocessorConfig, got \(String(describing: error))")
            return
        }
        #expect(path == "/nonexistent/model/preprocessor_config.json")
    }
}
