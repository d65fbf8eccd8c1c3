import EmbeddingKernels

/// `vision_config` of a SigLIP vision tower (transformers' `SiglipVisionConfig`, defaults as there).
public struct SiglipVisionConfig: Decodable, Sendable, Equatable {
    public var hiddenSize: Int = 768
    public var intermediateSize: Int = 3072
    public var numHiddenLayers: Int = 12
    public var numAttentionHeads: Int = 12
    public var numChannels: Int = 3
    /// Side of the (square) input; the position embeddings cover `(image_size / patch_size)²` patches.
    public var imageSize: Int = 224
    public var patchSize: Int = 16
    /// `gelu_pytorch_tanh` in SigLIP.
    public var hiddenAct: String = "gelu_pytorch_tanh"
    public var layerNormEps: Float = 1e-6
    /// Whether the checkpoint has the attention-pooling `head` (``SiglipVisionModel`` never
    /// runs it: ModernVBERT reads `last_hidden_state`).
    public var visionUseHead: Bool = true

    enum CodingKeys: String, CodingKey {
        case hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels, imageSize, patchSize
        case hiddenAct, layerNormEps, visionUseHead
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
        numChannels = try c.decodeIfPresent(Int.self, forKey: .numChannels) ?? numChannels
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? imageSize
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? patchSize
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? hiddenAct
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? layerNormEps
        visionUseHead = try c.decodeIfPresent(Bool.self, forKey: .visionUseHead) ?? visionUseHead
    }

    /// Patches per side.
    public var grid: Int { imageSize / patchSize }
}

/// transformers' `SiglipVisionTransformer` up to `last_hidden_state`: the patch embedding (a
/// stride-p convolution with bias, run as one GEMM over patchified pixels), learned position
/// embeddings (no class token), the pre-LN encoder (the same layer as CLIP's, with GELU-tanh:
/// ``ClipEncoder``) and `post_layernorm`. The attention-pooling `head` is not run.
public struct SiglipVisionModel: Sendable {
    public let config: SiglipVisionConfig
    /// `embeddings.patch_embedding` seen as a `Linear` from `channels * p * p` values to `hidden`.
    let patchEmbedding: Linear
    /// `embeddings.position_embedding.weight`, `[grid², hidden]`.
    let positionEmbedding: Tensor
    let encoder: ClipEncoder
    let postLayernorm: LayerNormWeights

    /// Loads `embeddings.*`, `encoder.layers.*` and `post_layernorm` under `loader` (the
    /// `vision_model` scope). The caller ignores `head.*`, which this model never runs.
    public init(config: SiglipVisionConfig, loader: WeightLoader, configPath: String) throws(ModelLoadError) {
        try ConfigCheck.sizes(
            ["vision_config.hidden_size": config.hiddenSize, "vision_config.num_attention_heads": config.numAttentionHeads,
             "vision_config.intermediate_size": config.intermediateSize, "vision_config.num_channels": config.numChannels,
             "vision_config.image_size": config.imageSize, "vision_config.patch_size": config.patchSize],
            counts: ["vision_config.num_hidden_layers": config.numHiddenLayers], path: configPath)
        guard let activation = Activation(huggingFaceName: config.hiddenAct) else {
            throw .invalidConfig(path: configPath, reason: "vision_config.hidden_act '\(config.hiddenAct)' is not supported")
        }
        guard config.hiddenSize % config.numAttentionHeads == 0, config.imageSize % config.patchSize == 0 else {
            throw .invalidConfig(path: configPath, reason: "vision hidden_size/heads or image_size/patch_size do not divide")
        }
        self.config = config
        let (h, p, c) = (config.hiddenSize, config.patchSize, config.numChannels)
        let weight = try loader.tensor("embeddings.patch_embedding.weight", shape: [h, c, p, p])
        patchEmbedding = Linear(
            weight: weight.reshaped([h, c * p * p]), bias: try loader.tensor("embeddings.patch_embedding.bias", shape: [h]))
        positionEmbedding = try loader.tensor("embeddings.position_embedding.weight", shape: [config.grid * config.grid, h])
        encoder = try ClipEncoder(
            loader.scoped("encoder"), count: config.numHiddenLayers, hidden: h, intermediate: config.intermediateSize,
            heads: config.numAttentionHeads, epsilon: config.layerNormEps, activation: activation)
        postLayernorm = try loader.layerNorm("post_layernorm", width: h, epsilon: config.layerNormEps)
    }

    /// Values in one patch: channels x p x p.
    public var patchValues: Int { config.numChannels * config.patchSize * config.patchSize }
    /// Patches (and output tokens) per image: grid².
    public var patchesPerImage: Int { config.grid * config.grid }

    /// `last_hidden_state` (after `post_layernorm`) of each image, `grid²` tokens each. Every
    /// image is given as its patches (``ImageIO/Patchify``), `patchesPerImage * patchValues`
    /// floats in (channel, y, x) order per patch, row-major over the grid.
    public func callAsFunction(_ images: [[Float]]) -> PackedHiddenStates {
        let h = config.hiddenSize
        let perImage = patchesPerImage
        precondition(images.allSatisfy { $0.count == perImage * patchValues }, "every image must have \(perImage) patches")
        let tokens = images.count * perImage
        let sequences = PackedHiddenStates.ranges(lengths: Array(repeating: perImage, count: images.count))
        var states = Tensor(shape: [tokens, h])
        guard tokens > 0 else { return PackedHiddenStates(values: states, sequences: sequences) }
        let patches = images.flatMap { $0 }
        patchEmbedding(patches, rows: tokens, into: &states.storage)
        for image in 0..<images.count {
            let base = image * perImage * h
            for index in 0..<(perImage * h) { states.storage[base + index] += positionEmbedding.storage[index] }
        }
        encoder(&states, sequences: sequences, causal: false)
        states.storage.withUnsafeMutableBufferPointer { postLayernorm($0.baseAddress!, rows: tokens) }
        return PackedHiddenStates(values: states, sequences: sequences)
    }
}
