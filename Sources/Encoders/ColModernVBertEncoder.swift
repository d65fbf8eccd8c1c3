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

    /// Checks that `processor` tiles fit the vision tower and that the prompt tokens exist,
    /// including the row/column token of every tile a permitted layout can have.
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
        // Every <row_r_col_c> a permitted layout can use must be one token, not spelled out.
        let sides = processor.config.doResize
            ? (processor.config.size.longestEdge + processor.tileSize - 1) / processor.tileSize : processor.maxTiles
        for row in 1...max(sides, 1) {
            for col in 1...max(sides, 1) where row * col + 1 <= processor.maxTiles {
                guard tokenizer.tokenID("<row_\(row)_col_\(col)>") != nil else {
                    throw .invalidConfig(path: path, reason: "the tokenizer has no token <row_\(row)_col_\(col)> for a \(row)x\(col) tile layout")
                }
            }
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
        try imagePromptIDs(rows: rows, cols: cols, index: 0)
    }

    private func imagePromptIDs(rows: Int, cols: Int, index: Int) throws(EmbeddingError) -> [Int32] {
        let text = Idefics3Prompt.expand(prompts.visualPromptPrefix, rows: rows, cols: cols, imageSequenceLength: model.imageSequenceLength)
        return try tokenize(text, index: index)
    }

    /// The multi-vector of one decoded image.
    public func encode(image: RGBImage, maxTiles: Int? = nil) throws(EmbeddingError) -> [[Float]] {
        try encode(images: [image], maxTiles: maxTiles)[0]
    }

    /// The multi-vectors of decoded images, in one forward pass; an image that would become
    /// more than `maxTiles` tiles (at most ``Idefics3ImageProcessor/maxTiles``) fails the call,
    /// naming its index.
    public func encode(images: [RGBImage], maxTiles: Int? = nil) throws(EmbeddingError) -> [[[Float]]] {
        var pages: [Idefics3Tiles] = []
        for (index, image) in images.enumerated() {
            do throws(ImageTilingError) { pages.append(try processor.tiles(image, limit: maxTiles)) } catch {
                throw .invalidInput(index: index, reason: error.description)
            }
        }
        return try encode(pages: pages)
    }

    /// The multi-vector of an image already tiled and normalised (transformers' `pixel_values`).
    public func encode(tiles: Idefics3Tiles) throws(EmbeddingError) -> [[Float]] {
        try encode(pages: [tiles])[0]
    }

    /// The multi-vectors of tiled images, in one forward pass (sequences packed, no padding).
    public func encode(pages: [Idefics3Tiles]) throws(EmbeddingError) -> [[[Float]]] {
        var ids: [[Int32]] = []
        var patches: [[[Float]]] = []
        for (index, page) in pages.enumerated() {
            patches.append(try tilePatches(page, index: index))
            ids.append(try imagePromptIDs(rows: page.rows, cols: page.cols, index: index))
        }
        return project(model(ids, tiles: patches))
    }

    /// The multi-vector of a text query (`process_queries`: prefix, text, augmentation tokens).
    public func encode(query: String) throws(EmbeddingError) -> [[Float]] {
        try encode(queries: [query])[0]
    }

    /// The multi-vectors of text queries, in one forward pass.
    public func encode(queries: [String]) throws(EmbeddingError) -> [[[Float]]] {
        var ids: [[Int32]] = []
        for (index, query) in queries.enumerated() {
            let queryIDs = try tokenize(prompts.queryText(query), index: index)
            // The model would look for image features for it (transformers refuses the mismatch).
            guard !queryIDs.contains(model.imageTokenID) else {
                throw .invalidInput(index: index, reason: "a query may not contain the image token \(Idefics3Prompt.imageToken)")
            }
            ids.append(queryIDs)
        }
        return project(model(ids, tiles: Array(repeating: [], count: ids.count)))
    }

    /// The token ids of a text query (`process_queries`: prefix, text, augmentation tokens),
    /// checked as ``encode(queries:)`` checks them, for ``encode(queryIDs:)`` later.
    public func queryIDs(_ query: String) throws(EmbeddingError) -> [Int32] {
        let ids = try tokenize(prompts.queryText(query), index: 0)
        // The model would look for image features for it (transformers refuses the mismatch).
        guard !ids.contains(model.imageTokenID) else {
            throw .invalidInput(index: 0, reason: "a query may not contain the image token \(Idefics3Prompt.imageToken)")
        }
        return ids
    }

    /// The multi-vectors of queries already tokenised by ``queryIDs(_:)``, in one forward pass
    /// (sequences packed: each query's vectors are the same bits whatever else is in the call).
    public func encode(queryIDs: [[Int32]]) -> [[[Float]]] {
        project(model(queryIDs, tiles: Array(repeating: [], count: queryIDs.count)))
    }

    /// The patches of every tile of `page`, after checking its layout, shapes and values.
    private func tilePatches(_ page: Idefics3Tiles, index: Int) throws(EmbeddingError) -> [[Float]] {
        let side = processor.tileSize
        let channels = model.config.visionConfig.numChannels
        let expected = page.rows == 0 ? 1 : page.rows * page.cols + 1
        guard page.rows >= 0, page.cols >= 0, (page.rows == 0) == (page.cols == 0), page.pixelValues.count == expected else {
            throw .invalidInput(index: index, reason: "\(page.pixelValues.count) tiles given for a \(page.rows)x\(page.cols) layout")
        }
        guard expected <= processor.maxTiles else {
            throw .invalidInput(
                index: index, reason: ImageTilingError.tooManyTiles(rows: page.rows, cols: page.cols, limit: processor.maxTiles).description)
        }
        var patches: [[Float]] = []
        for tile in page.pixelValues {
            guard tile.channels == channels, tile.height == side, tile.width == side else {
                throw .invalidInput(
                    index: index, reason: "a tile is \(tile.channels)x\(tile.height)x\(tile.width), the model takes \(channels)x\(side)x\(side)")
            }
            guard tile.values.allSatisfy(\.isFinite) else { throw .invalidInput(index: index, reason: "pixel values hold NaN or infinity") }
            do throws(ImageError) { patches.append(try Patchify.patches(tile, patchSize: model.config.visionConfig.patchSize).values) } catch {
                throw .invalidInput(index: index, reason: error.description)
            }
        }
        return patches
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

    /// `custom_text_proj` and L2 normalisation of every token, per sequence.
    private func project(_ states: PackedHiddenStates) -> [[[Float]]] {
        let tokens = states.values.rows
        let width = dimension
        var out = [Float](repeating: 0, count: tokens * width)
        if tokens > 0 { customTextProj(states.values.storage, rows: tokens, into: &out) }
        return states.sequences.map { sequence in
            sequence.map { VectorMath.normalized(Array(out[$0 * width ..< ($0 + 1) * width])) }
        }
    }
}
