import EmbeddingKernels
import EmbeddingTesting
import Foundation
import ImageIO
import Testing
@testable import Encoders

/// SigLIP2 against transformers' Siglip2Model on tiny-siglip2, with the fixtures README
/// tolerances: token ids equal, embeddings and logits within 1e-4, pixel values within 0.02,
/// image embeddings from our own preprocessing at cosine >= 0.999.
@Suite struct Siglip2ParityTests {
    static let golden = Result { try Siglip2Golden.load() }
    static let bundle = Result { try ModelBundle.load(directory: Fixtures.url(Siglip2Golden.folder)) }

    static func encoders() throws -> (text: TextEmbedder, image: Siglip2ImageEmbedder) {
        let bundle = try bundle.get()
        guard let text = bundle.text, let image = bundle.imageEncoder as? Siglip2ImageEmbedder else {
            throw TestFailure("tiny-siglip2 loaded as \(bundle.encoders)")
        }
        return (text, image)
    }

    @Test func loadsAsASharedSpaceWithSigmoidScoring() throws {
        let bundle = try Self.bundle.get()
        let golden = try Self.golden.get()
        #expect(bundle.modelType == "siglip2")
        #expect(bundle.image == nil, "SigLIP2 is not CLIP's vision embedder")
        let (text, image) = try Self.encoders()
        #expect(text.tower.pooledDimension == 32 && image.dimension == 32)
        #expect(text.maxLength == 64)
        #expect(image.scoring == .sigmoid(logitScale: golden.logit_scale, logitBias: golden.logit_bias))
        #expect(image.nominalImageSize == 256 && image.patchSize == 16)
    }

    @Test func tokenIdsAreTheGoldensUnpadded() throws {
        let golden = try Self.golden.get()
        let (text, _) = try Self.encoders()
        let tokenized = try text.tokenize(golden.texts.map(\.text), options: .init())
        for (reference, result) in zip(golden.texts, tokenized) {
            let encoding = try result.get()
            #expect(encoding.ids == reference.unpaddedIDs, "\(reference.text)")
            // Left padding: every pad precedes every token.
            #expect(reference.attention_mask.drop { $0 == 0 }.allSatisfy { $0 == 1 })
        }
    }

    @Test func textEmbeddingsMatch() throws {
        let golden = try Self.golden.get()
        let (text, _) = try Self.encoders()
        let results = try text.embed(golden.texts.map(\.text), options: .init(batchSize: 4))
        for (reference, result) in zip(golden.texts, results) {
            let pooled = try #require(try result.get().pooled)
            #expect(Closeness.maxAbsDifference(pooled, reference.text_embeds) < 1e-4, "\(reference.text)")
        }
    }

    /// An empty text is all padding with every key masked. Reference: transformers 5.25 with its
    /// default SDPA attention on tiny-siglip2, `processor(text=[""], padding="max_length",
    /// max_length=64)` through `get_text_features`, L2-normalised (rounded to 6 decimals).
    /// Eager attention gives another vector there (a fully masked softmax is implementation-defined);
    /// the default is what users of the model get.
    @Test func anEmptyTextIsTheReferencesAllPaddingText() throws {
        let reference: [Float] = [
            -0.030775, 0.181283, -0.410156, -0.036477, -0.014121, 0.062279, 0.130376, -0.048678, 0.249752, -0.091899,
            0.162785, 0.092391, 0.169126, -0.128336, -0.195976, -0.220544, -0.207031, 0.055828, -0.267825, 0.009213,
            -0.249464, -0.06972, 0.307151, 0.066384, -0.024985, 0.152616, -0.150585, -0.166728, -0.210405, -0.028875,
            -0.084013, -0.353583,
        ]
        let (text, _) = try Self.encoders()
        let golden = try Self.golden.get()
        // Beside other texts in one batch, so the masked row must not disturb them either.
        let results = try text.embed(["", golden.texts[0].text], options: .init(output: .both))
        let pooled = try #require(try results[0].get().pooled)
        // No token, no token vector (a page without words needs one per token).
        #expect(try results[0].get().tokenVectors == [] && results[0].get().tokenCount == 0)
        #expect(try results[1].get().tokenVectors?.count == golden.texts[0].unpaddedIDs.count)
        #expect(Closeness.maxAbsDifference(pooled, reference) < 1e-4)
        #expect(Closeness.maxAbsDifference(try #require(try results[1].get().pooled), golden.texts[0].text_embeds) < 1e-4)
    }

    @Test func patchGridsAreTheProcessors() throws {
        let golden = try Self.golden.get()
        let (_, image) = try Self.encoders()
        for reference in golden.images {
            let size = image.processor.targetSize(width: reference.size[0], height: reference.size[1])
            #expect([size.height / 16, size.width / 16] == reference.spatial_shapes, "\(reference.file)")
            #expect(reference.pixel_values.count == reference.spatial_shapes[0] * reference.spatial_shapes[1])
            #expect(reference.pixel_attention_mask.reduce(0, +) == reference.pixel_values.count)
        }
    }

    @Test func pixelValuesFromOurPreprocessingMatch() throws {
        let golden = try Self.golden.get()
        let (_, image) = try Self.encoders()
        for reference in golden.images {
            let grid = try image.patchGrid(
                .encoded(bytes: try Siglip2Golden.imageBytes(reference.file), name: reference.file), index: 0, limits: .init()).get()
            #expect([grid.rows, grid.cols] == reference.spatial_shapes, "\(reference.file)")
            let worst = Closeness.maxAbsDifference(grid.values, Siglip2Golden.channelMajorPatches(reference))
            #expect(worst <= 0.02, "\(reference.file): pixel values differ by \(worst)")
        }
    }

    @Test func imageEmbeddingsFromTheReferencePixelsMatch() throws {
        let golden = try Self.golden.get()
        let (_, image) = try Self.encoders()
        let inputs = golden.images.map { reference in
            ImageInput.patches(
                rows: reference.spatial_shapes[0], cols: reference.spatial_shapes[1], patchSize: 16, channels: 3,
                values: Siglip2Golden.channelMajorPatches(reference))
        }
        let results = try image.embed(inputs, options: .init(batchSize: 3))
        for (reference, result) in zip(golden.images, results) {
            let pooled = try #require(try result.get().pooled)
            #expect(Closeness.maxAbsDifference(pooled, reference.image_embeds) < 1e-4, "\(reference.file)")
        }
    }

    @Test func imageEmbeddingsFromOurPreprocessingAreClose() throws {
        let golden = try Self.golden.get()
        let (_, image) = try Self.encoders()
        let inputs = try golden.images.map { ImageInput.encoded(bytes: try Siglip2Golden.imageBytes($0.file), name: $0.file) }
        for (reference, result) in zip(golden.images, try image.embed(inputs)) {
            let pooled = try #require(try result.get().pooled)
            #expect(Closeness.cosine(pooled, reference.image_embeds) >= 0.999, "\(reference.file)")
        }
    }

    /// logits_per_image = exp(logit_scale) * cos + logit_bias over the reference pixels' embeddings.
    @Test func logitsMatch() throws {
        let golden = try Self.golden.get()
        let (text, image) = try Self.encoders()
        let texts = try text.embed(golden.texts.map(\.text)).map { try #require(try $0.get().pooled) }
        let images = try image.embed(golden.images.map { reference in
            ImageInput.patches(
                rows: reference.spatial_shapes[0], cols: reference.spatial_shapes[1], patchSize: 16, channels: 3,
                values: Siglip2Golden.channelMajorPatches(reference))
        }).map { try #require(try $0.get().pooled) }
        for (row, imageVector) in images.enumerated() {
            for (column, textVector) in texts.enumerated() {
                let cosine = Float(VectorMath.dot(imageVector, textVector, count: textVector.count))
                let logit = image.scoring.logit(cosine: cosine)
                #expect(abs(logit - golden.logits_per_image[row][column]) < 1e-4, "image \(row), text \(column)")
                let probability = try #require(image.scoring.probability(cosine: cosine))
                #expect(abs(probability - 1 / (1 + exp(-logit))) < 1e-6)
            }
        }
    }
}

/// A failure with a message, for `throw` in tests.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
