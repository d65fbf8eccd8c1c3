import EmbeddingTesting
import Foundation
import ImageIO
import Testing
@testable import Encoders

/// SigLIP2's image inputs at the edges: tiny and very elongated images stay within the patch
/// budget, a client's own pixels and patches are checked, and bad ones fail alone, named.
@Suite struct Siglip2InputTests {
    static func image() throws -> Siglip2ImageEmbedder {
        try Siglip2ParityTests.encoders().image
    }

    static func png(width: Int, height: Int) -> [UInt8] {
        PNGBuilder(
            width: width, height: height, colorType: .rgb, bitDepth: 8,
            samples: (0..<(width * height * 3)).map { ($0 * 37) % 256 }).build()
    }

    /// transformers' search: the scale is capped at 100, so a 1x1 image becomes 7x7 patches
    /// (ceil(100 / 16)); elongated images keep one patch on the short side.
    @Test func targetSizesFollowTheReference() throws {
        let processor = try Self.image().processor
        let dot = processor.targetSize(width: 1, height: 1)
        #expect(dot.width == 112 && dot.height == 112)
        let square = processor.targetSize(width: 256, height: 256)
        #expect(square.width == 256 && square.height == 256)
        let wide = processor.targetSize(width: 20_000, height: 3)
        #expect(wide.height == 16 && wide.width / 16 <= 256 && wide.width / 16 >= 250)
        let tall = processor.targetSize(width: 2, height: 9_000)
        #expect(tall.width == 16 && tall.height / 16 <= 256)
        for (width, height) in [(10, 7), (40, 200), (850, 1100), (4096, 17), (333, 333)] {
            let size = processor.targetSize(width: width, height: height)
            #expect(size.width % 16 == 0 && size.height % 16 == 0 && size.width * size.height / 256 <= 256)
        }
    }

    @Test func tinyAndElongatedImagesEmbed() throws {
        let image = try Self.image()
        let inputs: [ImageInput] = [
            .encoded(bytes: Self.png(width: 1, height: 1), name: "dot.png"),
            .encoded(bytes: Self.png(width: 3000, height: 2), name: "line.png"),
            .encoded(bytes: try Siglip2Golden.imageBytes("tiny-10x7.png"), name: "tiny-10x7.png"),
        ]
        let results = try image.embed(inputs, options: .init(output: .both))
        for (input, result) in zip(inputs, results) {
            let embedding = try result.get()
            let pooled = try #require(embedding.pooled)
            #expect(pooled.count == 32 && pooled.allSatisfy(\.isFinite), "\(input)")
            #expect(embedding.patchCount <= 256 && embedding.tokenVectors?.count == embedding.patchCount)
        }
        #expect(try results[1].get().patchCount >= 250)
    }

    @Test func badInputsFailAloneAndSayWhy() throws {
        let image = try Self.image()
        let good = ImageInput.patches(rows: 2, cols: 3, patchSize: 16, channels: 3, values: [Float](repeating: 0.1, count: 6 * 768))
        let inputs: [ImageInput] = [
            .encoded(bytes: [0x89, 0x50, 0x4E, 0x47], name: "broken.png"),
            .patches(rows: 2, cols: 2, patchSize: 14, channels: 3, values: [Float](repeating: 0, count: 4 * 588)),
            .patches(rows: 100, cols: 100, patchSize: 16, channels: 3, values: []),
            .pixels(PixelValues(channels: 3, height: 20, width: 32, values: [Float](repeating: 0, count: 3 * 20 * 32))),
            good,
        ]
        let results = try image.embed(inputs)
        func reason(_ index: Int) -> String {
            if case .failure(let error) = results[index] { return error.description }
            return "succeeded"
        }
        #expect(reason(0).contains("broken.png"))
        #expect(reason(1).contains("patch_size 14"))
        #expect(reason(2).contains("exceeds the limit of 4096"))
        #expect(reason(3).contains("20") && reason(3) != "succeeded")
        #expect(try results[4].get().patchCount == 6)
        #expect(throws: EmbeddingError.self) { try image.embed([good], options: .init(dimensions: 33)) }
    }

    /// A grid of the processor's own size gives the same embedding as pixels or patches.
    @Test func pixelsAndPatchesAgree() throws {
        let image = try Self.image()
        let values: [Float] = (0..<(3 * 32 * 48)).map { (index: Int) -> Float in Float((index * 7919) % 200) / 100 - 1 }
        let pixels = PixelValues(channels: 3, height: 32, width: 48, values: values)
        let cut = try Patchify.patches(pixels, patchSize: 16)
        let results = try image.embed([
            .pixels(pixels), .patches(rows: cut.rows, cols: cut.cols, patchSize: 16, channels: 3, values: cut.values),
        ])
        #expect(try results[0].get().pooled == results[1].get().pooled)
    }
}

/// A SigLIP2 folder whose processor settings cannot work is refused at load, naming the file.
@Suite struct Siglip2ConfigTests {
    @Test func anUnusableProcessorConfigIsNamed() throws {
        let folder = try ArchitectureRegistryTests.linkedCopy(of: Fixtures.url(Siglip2Golden.folder))
        try folder.remove("processor_config.json")
        try folder.write("processor_config.json", #"{"image_processor": {"patch_size": 16, "max_num_patches": 0}}"#)
        let path = folder.url.appendingPathComponent("processor_config.json").path
        #expect(throws: ModelLoadError.invalidConfig(path: path, reason: "max_num_patches must be positive, got 0")) {
            try ModelBundle.load(directory: folder.url)
        }
        try folder.remove("processor_config.json")
        try folder.write("processor_config.json", #"{"image_processor": {"patch_size": 14}}"#)
        #expect(throws: ModelLoadError.invalidConfig(path: path, reason: "patch_size 14 differs from vision_config.patch_size 16")) {
            try ModelBundle.load(directory: folder.url)
        }
    }
}
