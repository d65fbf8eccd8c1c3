import EmbeddingKernels

/// `config.json` of a ModernVBERT checkpoint (transformers' `ModernVBertConfig`): a SigLIP
/// vision tower, a pixel-shuffle connector and a ModernBERT text model.
public struct ModernVBertConfig: Decodable, Sendable {
    public var textConfig: ModernBertConfig = ModernBertConfig()
    public var visionConfig: SiglipVisionConfig = SiglipVisionConfig()
    /// Side of the square of vision tokens merged into one connector token (transformers: 4).
    public var pixelShuffleFactor: Int = 4
    /// The `<image>` token whose embeddings the image features replace; required.
    public var imageTokenId: Int?

    enum CodingKeys: String, CodingKey { case textConfig, visionConfig, pixelShuffleFactor, imageTokenId }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        textConfig = try c.decodeIfPresent(ModernBertConfig.self, forKey: .textConfig) ?? textConfig
        visionConfig = try c.decodeIfPresent(SiglipVisionConfig.self, forKey: .visionConfig) ?? visionConfig
        pixelShuffleFactor = try c.decodeIfPresent(Int.self, forKey: .pixelShuffleFactor) ?? pixelShuffleFactor
        imageTokenId = try c.decodeIfPresent(Int.self, forKey: .imageTokenId)
    }

    /// Text tokens one tile becomes: `(image_size / patch_size)² / pixel_shuffle_factor²`.
    public var imageSequenceLength: Int {
        visionConfig.grid * visionConfig.grid / max(pixelShuffleFactor * pixelShuffleFactor, 1)
    }
}

/// transformers' `ModernVBertConnector`: `pixel_shuffle` then `modality_projection` (no bias).
///
/// Pixel shuffle turns a `grid x grid` map of `D`-vectors into a `(grid/s) x (grid/s)` map of
/// `D·s²`-vectors. transformers does it with two view/permute/reshape rounds; worked through,
/// output token `(i, j)` (row-major) holds, in order, for each row offset `a` then column offset
/// `b` in `0..<s`, the `D` values of input token `(i·s + a, j·s + b)`.
public struct ModernVBertConnector: Sendable {
    public let pixelShuffleFactor: Int
    let modalityProjection: Linear

    init(_ loader: WeightLoader, visionHidden: Int, textHidden: Int, pixelShuffleFactor: Int) throws(ModelLoadError) {
        self.pixelShuffleFactor = pixelShuffleFactor
        modalityProjection = try loader.linear(
            "modality_projection", inFeatures: visionHidden * pixelShuffleFactor * pixelShuffleFactor, outFeatures: textHidden,
            bias: false)
    }

    /// `pixel_shuffle` of one image's `grid²` rows of width `D` starting at `source`.
    static func pixelShuffle(_ source: UnsafePointer<Float>, grid: Int, width: Int, factor s: Int, into output: inout [Float]) {
        let outGrid = grid / s
        for i in 0..<outGrid {
            for j in 0..<outGrid {
                for a in 0..<s {
                    for b in 0..<s {
                        let row = (i * s + a) * grid + (j * s + b)
                        output.append(contentsOf: UnsafeBufferPointer(start: source + row * width, count: width))
                    }
                }
            }
        }
    }

    /// The image features of every image in `states` (each `grid²` vision tokens): `[images ·
    /// (grid/s)², text hidden]`, images in order.
    func callAsFunction(_ states: PackedHiddenStates, grid: Int) -> Tensor {
        let width = states.hiddenSize
        let s = pixelShuffleFactor
        var shuffled: [Float] = []
        shuffled.reserveCapacity(states.values.storage.count)
        states.values.storage.withUnsafeBufferPointer { buffer in
            for sequence in states.sequences {
                Self.pixelShuffle(buffer.baseAddress! + sequence.lowerBound * width, grid: grid, width: width, factor: s, into: &shuffled)
            }
        }
        let rows = shuffled.count / (width * s * s)
        var features = Tensor(shape: [rows, modalityProjection.outFeatures])
        if rows > 0 { modalityProjection(shuffled, rows: rows, into: &features.storage) }
        return features
    }
}

/// transformers' `ModernVBertModel`: tiles through the SigLIP vision tower (`vision_model`) and
/// the connector, their features put in place of the `<image>` token embeddings (in order, as
/// `masked_scatter` does), then the ModernBERT `text_model` over the combined sequence.
public struct ModernVBertModel: Sendable {
    public let config: ModernVBertConfig
    public let visionModel: SiglipVisionModel
    public let connector: ModernVBertConnector
    public let textModel: ModernBertModel
    public let imageTokenID: Int32

    /// Loads the three parts from their scopes (which differ between checkpoints: see
    /// ``ModernVBertArchitecture``).
    public init(
        config: ModernVBertConfig, vision: WeightLoader, connector: WeightLoader, text: WeightLoader, configPath: String
    ) throws(ModelLoadError) {
        guard let imageTokenId = config.imageTokenId, (0..<config.textConfig.vocabSize).contains(imageTokenId) else {
            throw .invalidConfig(path: configPath, reason: "image_token_id is missing or outside text_config.vocab_size")
        }
        let s = config.pixelShuffleFactor
        guard s > 0, config.visionConfig.patchSize > 0, config.visionConfig.grid % s == 0 else {
            throw .invalidConfig(
                path: configPath, reason: "pixel_shuffle_factor \(s) must be positive and divide the \(config.visionConfig.grid)-patch grid")
        }
        self.config = config
        imageTokenID = Int32(imageTokenId)
        visionModel = try SiglipVisionModel(config: config.visionConfig, loader: vision, configPath: configPath)
        self.connector = try ModernVBertConnector(
            connector, visionHidden: config.visionConfig.hiddenSize, textHidden: config.textConfig.hiddenSize, pixelShuffleFactor: s)
        textModel = try ModernBertModel(config: config.textConfig, loader: text, configPath: configPath)
    }

    /// `<image>` tokens (connector outputs) per tile.
    public var imageSequenceLength: Int { config.imageSequenceLength }

    /// `get_image_features`: the connector's features of each tile, `[tiles · image_seq_len,
    /// text hidden]`. Each tile is given as its patches (``SiglipVisionModel/callAsFunction(_:)``).
    public func imageFeatures(_ tiles: [[Float]]) -> Tensor {
        connector(visionModel(tiles), grid: config.visionConfig.grid)
    }

    /// The text model's last hidden state of each sequence: `ids[k]` with the features of
    /// `tiles[k]` in place of its `<image>` tokens, which must number `tiles[k].count ·
    /// image_seq_len`, and be at most `max_position_embeddings` tokens in all.
    public func callAsFunction(_ ids: [[Int32]], tiles: [[[Float]]]) -> PackedHiddenStates {
        precondition(ids.count == tiles.count, "one tile list per sequence")
        var embeddings = textModel.inputEmbeddings(ids)
        let features = imageFeatures(tiles.flatMap { $0 })
        let h = config.textConfig.hiddenSize
        var featureRow = 0
        var row = 0
        for (sequence, sequenceTiles) in zip(ids, tiles) {
            let expected = sequenceTiles.count * imageSequenceLength
            precondition(sequence.count(where: { $0 == imageTokenID }) == expected, "image tokens do not match the tiles' features")
            for id in sequence {
                if id == imageTokenID {
                    for i in 0..<h { embeddings.storage[row * h + i] = features.storage[featureRow * h + i] }
                    featureRow += 1
                }
                row += 1
            }
        }
        return textModel(inputsEmbeds: embeddings, lengths: ids.map(\.count))
    }
}
