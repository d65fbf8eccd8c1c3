/// `config.json` of a `CLIPModel` (model_type `clip`): a text tower, a vision tower and the
/// projections into their shared space.
public struct ClipConfig: Decodable, Sendable {
    public struct Text: Decodable, Sendable {
        public var vocabSize: Int = 49408
        public var hiddenSize: Int = 512
        public var intermediateSize: Int = 2048
        public var numHiddenLayers: Int = 12
        public var numAttentionHeads: Int = 8
        public var maxPositionEmbeddings: Int = 77
        public var hiddenAct: String = "quick_gelu"
        public var layerNormEps: Float = 1e-5
        /// Pooling position: the first `eos_token_id`, or the arg-max id when it is the legacy 2.
        public var eosTokenId: Int = 2
    }

    public struct Vision: Decodable, Sendable {
        public var hiddenSize: Int = 768
        public var intermediateSize: Int = 3072
        public var numHiddenLayers: Int = 12
        public var numAttentionHeads: Int = 12
        public var numChannels: Int = 3
        public var imageSize: Int = 224
        public var patchSize: Int = 32
        public var hiddenAct: String = "quick_gelu"
        public var layerNormEps: Float = 1e-5
    }

    public var textConfig: Text
    public var visionConfig: Vision
    public var projectionDim: Int = 512
}

// Decodable with defaults: only keys present in the file override the documented defaults above.
extension ClipConfig.Text {
    enum CodingKeys: String, CodingKey {
        case vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, maxPositionEmbeddings
        case hiddenAct, layerNormEps, eosTokenId
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? vocabSize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? maxPositionEmbeddings
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? hiddenAct
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? layerNormEps
        eosTokenId = try c.decodeIfPresent(Int.self, forKey: .eosTokenId) ?? eosTokenId
    }
}

extension ClipConfig.Vision {
    enum CodingKeys: String, CodingKey {
        case hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels, imageSize, patchSize
        case hiddenAct, layerNormEps
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
        numChannels = try c.decodeIfPresent(Int.self, forKey: .numChannels) ?? numChannels
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? imageSize
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? patchSize
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? hiddenAct
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? layerNormEps
    }
}

extension ClipConfig {
    enum CodingKeys: String, CodingKey { case textConfig, visionConfig, projectionDim }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        textConfig = try c.decodeIfPresent(Text.self, forKey: .textConfig) ?? Text()
        visionConfig = try c.decodeIfPresent(Vision.self, forKey: .visionConfig) ?? Vision()
        projectionDim = try c.decodeIfPresent(Int.self, forKey: .projectionDim) ?? projectionDim
    }

    /// The openai/clip-vit-base-patch32 architecture (for benchmarks with random weights).
    public static var vitBase32: ClipConfig {
        ClipConfig(textConfig: Text(), visionConfig: Vision(), projectionDim: 512)
    }
}
