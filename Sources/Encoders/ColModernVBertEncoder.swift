import EmbeddingKernels
import Foundation
import ImageIO
import Tokenizers

/// The fixed texts colpali-engine's `ColModernVBertProcessor` wraps inputs in (class
/// attributes there, not saved in the model folder).
public struct ColModernVBertPrompts: Sendable, Equatable {
    /// The prompt of every image; its `<image>` becomes the tiles' tokens (``Idefics3Prompt``).
    public var visualPromptPrefix = "<|begin_of_text|>User:<image>Describe the image.<end_of_utterance>\nAssistant:"
    /// Text before each query (empty in colpali-engine 0.3).
    public var queryPrefix = ""
    /// `process_queries` appends this token `queryAugmentationCount` times (query augmentation).
    public var queryAugmentationToken = "<end_of_utterance>"
    public var queryAugmentationCount = 10

    public init() {}

    /// The text `process_queries` tokenises for `query`.
    public func queryText(_ query: String) -> String {
        queryPrefix + query + String(repeating: queryAugmentationToken, count: queryAugmentationCount)
    }
}

/// colpali-engine's ColModernVBert: ``ModernVBertModel``, then `custom_text_proj` (hidden ->
/// 128, with bias) and L2 normalisation: one vector per token of the sequence, image and
/// prompt tokens alike for pages, every token (augmentation included) for queries. Pages and
/// queries are compared by MaxSim (``score(query:document:)``).
public struct ColModernVBertEncoder: Sendable {
    public let model: ModernVBertModel
    /// `custom_text_proj`.
    let customTextProj: Linear
    public let processor: Idefics3ImageProcessor
    public let tokenizer: any TextTokenizer
    public let prompts: ColModernVBertPrompts

    /// Width of every output vector.
    public var dimension: Int { customTextProj.outFeatures }

    /// Checks that `processor` tiles fit the vision tower and that the prompt tokens exist.
    public init(
        model: ModernVBertModel, customTextProj: Linear, processor: Idefics3ImageProcessor, tokenizer: any TextTokenizer,
        prompts: ColModernVBertPrompts = .init(), path: String
    ) throws(ModelLoadError) {
        guard processor.tileSize == model.config.visionConfig.imageSize else {
            throw .invalidConfig(
                path: path,
                reason: "max_image_size.longest_edge \(processor.tileSize) differs from vision_config.image_size \(model.config.visionConfig.imageSize)")
        }
        guard customTextProj.inFeatures == model.config.textConfig.hiddenSize else {
            throw .invalidConfig(path: path, reason: "custom_text_proj takes \(customTextProj.inFeatures) values, the text model gives \(model.config.textConfig.hiddenSize)")
        }
        for token in [Idefics3Prompt.imageToken, Idefics3Prompt.fakeImageToken, Idefics3Prompt.globalImageToken, prompts.queryAugmentationToken] {
            guard tokenizer.tokenID(token) != nil else { throw .invalidConfig(path: path, reason: "the tokenizer has no token \(token)") }
        }
        guard tokenizer.tokenID(Idefics3Prompt.imageToken) == model.imageTokenID else {
            throw .invalidConfig(path: path, reason: "image_token_id \(model.imageTokenID) is not the tokenizer's <image>")
        }
        self.model = model
        self.customTextProj = customTextProj
        self.processor = processor
        self.tokenizer = tokenizer
        self.prompts = prompts
    }

    /// The prompt's token ids for an image cut into `rows x cols` tiles (0 x 0: one image).
    public func imagePromptIDs(rows: Int, cols: Int) throws(EmbeddingError) -> [Int32] {
        let text = Idefics3Prompt.expand(prompts.visualPromptPrefix, rows: rows, cols: cols, imageSequenceLength: model.imageSequenceLength)
        return try tokenize(text, index: 0)
    }

    /// The multi-vector of one decoded image.
    public func encode(image: RGBImage) throws(EmbeddingError) -> [[Float]] {
        let tiles: Idefics3Tiles
        do throws(ImageTilingError) { tiles = try processor.tiles(image) } catch { throw .invalidInput(index: 0, reason: error.description) }
        return try encode(tiles: tiles)
    }

    /// The multi-vector of an image already tiled and normalised (transformers' `pixel_values`).
    public func encode(tiles: Idefics3Tiles) throws(EmbeddingError) -> [[Float]] {
        let side = processor.tileSize
        let expected = tiles.rows == 0 ? 1 : tiles.rows * tiles.cols + 1
        guard tiles.rows >= 0, tiles.cols >= 0, tiles.pixelValues.count == expected else {
            throw .invalidInput(index: 0, reason: "\(tiles.pixelValues.count) tiles given for a \(tiles.rows)x\(tiles.cols) layout")
        }
        guard expected <= processor.maxTiles else {
            throw .invalidInput(index: 0, reason: ImageTilingError.tooManyTiles(rows: tiles.rows, cols: tiles.cols, limit: processor.maxTiles).description)
        }
        var patches: [[Float]] = []
        for tile in tiles.pixelValues {
            guard tile.channels == model.config.visionConfig.numChannels, tile.height == side, tile.width == side else {
                throw .invalidInput(index: 0, reason: "a tile is \(tile.channels)x\(tile.height)x\(tile.width), the model takes \(model.config.visionConfig.numChannels)x\(side)x\(side)")
            }
            guard tile.values.allSatisfy(\.isFinite) else { throw .invalidInput(index: 0, reason: "pixel values hold NaN or infinity") }
            do throws(ImageError) { patches.append(try Patchify.patches(tile, patchSize: model.config.visionConfig.patchSize).values) } catch {
                throw .invalidInput(index: 0, reason: error.description)
            }
        }
        let ids = try imagePromptIDs(rows: tiles.rows, cols: tiles.cols)
        return project(model([ids], tiles: [patches]))
    }

    /// The multi-vector of a text query (`process_queries`: prefix, text, augmentation tokens).
    public func encode(query: String) throws(EmbeddingError) -> [[Float]] {
        let ids = try tokenize(prompts.queryText(query), index: 0)
        return project(model([ids], tiles: [[]]))
    }

    /// colpali-engine's `score_multi_vector` for one pair: the sum over query vectors of their
    /// largest dot product with a document vector.
    public static func score(query: [[Float]], document: [[Float]]) -> Float {
        query.reduce(Float(0)) { total, q in
            total + document.map { d in zip(q, d).reduce(Float(0)) { $0 + $1.0 * $1.1 } }.max()!
        }
    }

    private func tokenize(_ text: String, index: Int) throws(EmbeddingError) -> [Int32] {
        let limit = model.textModel.maxPositions
        do throws(TokenizerError) {
            return try tokenizer.encode(text, maxLength: limit, truncation: .error).ids
        } catch {
            throw .invalidInput(index: index, reason: "\(error.description) (the text model takes at most \(limit) tokens)")
        }
    }

    /// `custom_text_proj` and L2 normalisation of every token of the first sequence.
    private func project(_ states: PackedHiddenStates) -> [[Float]] {
        let rows = states.sequences[0].count
        var out = [Float](repeating: 0, count: rows * dimension)
        states.values.storage.withUnsafeBufferPointer { hidden in
            customTextProj(hidden.baseAddress! + states.sequences[0].lowerBound * states.hiddenSize, rows: rows, into: &out)
        }
        return (0..<rows).map { VectorMath.normalized(Array(out[$0 * dimension ..< ($0 + 1) * dimension])) }
    }
}
