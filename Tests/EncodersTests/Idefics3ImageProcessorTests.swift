import EmbeddingTesting
import Encoders
import Foundation
import ImageIO
import Testing

/// ``Idefics3ImageProcessor`` and ``Idefics3Prompt`` against colpali-engine's processor output
/// in tiny-colmodernvbert/golden.json (pixel values within 0.02, ids equal).
@Suite struct Idefics3ImageProcessorTests {
    static let golden = Result { try ColModernVBertGolden.load() }
    static let encoder = Result {
        try ModernVBertArchitecture.loadEncoder(ModelFolder(directory: Fixtures.url(ColModernVBertGolden.folder)))
    }

    var golden: ColModernVBertGolden { get throws { try Self.golden.get() } }
    var encoder: ColModernVBertEncoder { get throws { try Self.encoder.get() } }

    @Test func processorConfigIsRead() throws {
        let processor = try encoder.processor
        #expect(processor.config.size.longestEdge == 128)
        #expect(processor.tileSize == 64)
        #expect(processor.filter == .lanczos)
        #expect(processor.config.doImageSplitting)
        #expect(try encoder.model.imageSequenceLength == (try golden).image_seq_len)
    }

    @Test func tilesMatchTheReferencePixelValues() throws {
        let (golden, processor) = (try golden, try encoder.processor)
        #expect(golden.images.count == 3)
        for reference in golden.images {
            let tiles = try processor.tiles(try ColModernVBertGolden.image(reference.file))
            let (rows, cols) = try #require(ColModernVBertGolden.layouts[reference.file])
            #expect(tiles.rows == rows && tiles.cols == cols, "\(reference.file)")
            #expect(processor.layout(width: try ColModernVBertGolden.image(reference.file).width,
                                     height: try ColModernVBertGolden.image(reference.file).height) == (rows, cols))
            #expect(tiles.pixelValues.count == reference.num_tiles)
            #expect(reference.pixel_values_shape == [reference.num_tiles, 3, 64, 64])
            for (index, (ours, theirs)) in zip(tiles.pixelValues, reference.pixel_values).enumerated() {
                #expect(ours.channels == 3 && ours.height == 64 && ours.width == 64)
                let difference = Closeness.maxAbsDifference(ours.values, theirs)
                #expect(difference <= 0.02, "\(reference.file) tile \(index): \(difference)")
            }
            // Every tile is whole: the reference's pixel attention mask is all ones.
            #expect(reference.pixel_attention_mask.allSatisfy { $0.count == 64 * 64 && $0.allSatisfy { $0 == 1 } })
        }
    }

    @Test func imagePromptIdsMatch() throws {
        let (golden, encoder) = (try golden, try encoder)
        for reference in golden.images {
            let (rows, cols) = try #require(ColModernVBertGolden.layouts[reference.file])
            let ids = try encoder.imagePromptIDs(rows: rows, cols: cols)
            #expect(ids == reference.input_ids, "\(reference.file)")
            let imageTokens = ids.count(where: { $0 == golden.image_token_id })
            #expect(imageTokens == reference.num_image_tokens)
            #expect(imageTokens == reference.num_tiles * golden.image_seq_len)
        }
    }

    @Test func sizesFollowTransformersRounding() {
        // Longest edge to 128, the other truncated then rounded up to even (850x1100 -> 98x128).
        #expect(Idefics3ImageProcessor.resizedSize(width: 850, height: 1100, longestEdge: 128) == (98, 128))
        #expect(Idefics3ImageProcessor.resizedSize(width: 40, height: 200, longestEdge: 128) == (26, 128))
        #expect(Idefics3ImageProcessor.resizedSize(width: 1, height: 1000, longestEdge: 128) == (1, 128))
        #expect(Idefics3ImageProcessor.tiledSize(width: 26, height: 128, tile: 64) == (64, 128))
        #expect(Idefics3ImageProcessor.tiledSize(width: 128, height: 1, tile: 64) == (128, 64))
    }

    @Test func smallImagesAreOneTileWithTheSinglePrompt() throws {
        let encoder = try encoder
        let tiles = try encoder.processor.tiles(RGBImage(width: 10, height: 7, pixels: [UInt8](repeating: 200, count: 210)))
        // 10x7 -> 128x90 -> 128x128: two by two tiles; a 64-pixel config would keep it whole.
        #expect(tiles.rows == 2 && tiles.cols == 2)
        var config = encoder.processor.config
        config.size = .init(longestEdge: 64)
        let single = try Idefics3ImageProcessor(config: config, maxTiles: 17)
            .tiles(RGBImage(width: 10, height: 7, pixels: [UInt8](repeating: 200, count: 210)))
        #expect(single.rows == 0 && single.cols == 0 && single.pixelValues.count == 1)
        let text = Idefics3Prompt.imageTokens(rows: 0, cols: 0, imageSequenceLength: 2)
        #expect(text == "<fake_token_around_image><global-img><image><image><fake_token_around_image>")
    }

    @Test func tooManyTilesIsAClearError() throws {
        let config = try encoder.processor.config
        let processor = try Idefics3ImageProcessor(config: config, maxTiles: 4)
        let image = try ColModernVBertGolden.image("document-page.png")
        #expect(throws: ImageTilingError.tooManyTiles(rows: 2, cols: 2, limit: 4)) { try processor.tiles(image) }
        #expect(throws: ModelLoadError.self) { try Idefics3ImageProcessor(config: config, maxTiles: 0) }
    }

    /// A processor config the tokenizer cannot spell the layouts of, or whose tokens per tile
    /// differ from the model's, is refused at load, naming what is wrong.
    @Test func inconsistentProcessorConfigsAreRefused() throws {
        let source = Fixtures.url(ColModernVBertGolden.folder)
        let original = try String(contentsOf: source.appendingPathComponent("processor_config.json"), encoding: .utf8)
        for (edit, expected) in [
            (("\"longest_edge\": 128", "\"longest_edge\": 1024"), "<row_1_col_7>"),
            (("\"image_seq_len\": 4", "\"image_seq_len\": 9"), "image_seq_len 9"),
        ] {
            let folder = try ArchitectureRegistryTests.linkedCopy(of: source)
            #expect(original.contains(edit.0))
            try folder.write("processor_config.json", original.replacingOccurrences(of: edit.0, with: edit.1))
            do {
                _ = try ModernVBertArchitecture.loadEncoder(ModelFolder(directory: folder.url))
                Issue.record("loaded with \(edit.1)")
            } catch {
                #expect(error.description.contains(expected), "\(error.description)")
            }
        }
    }
}
