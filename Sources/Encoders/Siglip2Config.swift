/// `config.json` of a `Siglip2Model` (model_type `siglip2`): a text tower, a NaFlex vision tower
/// and no projection between them (each tower's head already lands in the shared space).
public struct Siglip2Config: Decodable, Sendable {
    /// `text_config` (transformers' `Siglip2TextConfig`, defaults as there).
    public struct Text: Decodable, Sendable {
        public var vocabSize: Int = 32000
        public var hiddenSize: Int = 768
        public var intermediateSize: Int = 3072
        public var numHiddenLayers: Int = 12
        public var numAttentionHeads: Int = 12
        /// Also the length every text is padded to: SigLIP text towers are trained on
        /// `padding="max_length"` sequences and pool the last position.
        public var maxPositionEmbeddings: Int = 64
        public var hiddenAct: String = "gelu_pytorch_tanh"
        public var layerNormEps: Float = 1e-6
        /// The token that fills the padding positions.
        public var padTokenId: Int = 1
        /// Width of `text_model.head`, i.e. of the shared space; nil means `hidden_size`.
        public var projectionSize: Int?

        enum CodingKeys: String, CodingKey {
            case vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, maxPositionEmbeddings
            case hiddenAct, layerNormEps, padTokenId, projectionSize
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? vocabSize
            hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
            intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
            numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
            numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
            maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? maxPositionEmbeddings
            hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? hiddenAct
            layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? layerNormEps
            padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId) ?? padTokenId
            projectionSize = try c.decodeIfPresent(Int.self, forKey: .projectionSize)
        }

        /// Width of the text embedding.
        public var outputSize: Int { projectionSize ?? hiddenSize }
    }

    public var textConfig: Text = Text()
    /// `vision_config`: SigLIP's, with `num_patches` (the position grid, 256 = 16 x 16 by
    /// default) instead of `image_size`.
    public var visionConfig: SiglipVisionConfig = SiglipVisionConfig(numPatches: 256)

    enum CodingKeys: String, CodingKey { case textConfig, visionConfig }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        textConfig = try c.decodeIfPresent(Text.self, forKey: .textConfig) ?? textConfig
        visionConfig = try c.decodeIfPresent(SiglipVisionConfig.self, forKey: .visionConfig) ?? visionConfig
        // A Siglip2 vision config without num_patches still has transformers' default grid.
        if visionConfig.numPatches == nil { visionConfig.numPatches = 256 }
    }
}
