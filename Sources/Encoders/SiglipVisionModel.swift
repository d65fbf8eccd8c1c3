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
    /// SigLIP2's NaFlex towers (`Siglip2VisionConfig`): the number of learned position
    /// embeddings, a square grid resized to each image's patch grid; nil for fixed-size SigLIP,
    /// whose grid is `(image_size / patch_size)²`.
    public var numPatches: Int?

    enum CodingKeys: String, CodingKey {
        case hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels, imageSize, patchSize
        case hiddenAct, layerNormEps, visionUseHead, numPatches
    }

    public init(numPatches: Int? = nil) { self.numPatches = numPatches }

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
        numPatches = try c.decodeIfPresent(Int.self, forKey: .numPatches)
    }

    /// Patches per side.
    public var grid: Int { imageSize / patchSize }

    /// Side of the square grid of learned position embeddings: `sqrt(num_patches)` for NaFlex
    /// (as transformers' `int(num_patches**0.5)`), else ``grid``.
    public var positionGridSide: Int {
        guard let numPatches else { return grid }
        var side = Int(Double(numPatches).squareRoot())
        while side * side > numPatches { side -= 1 }
        while (side + 1) * (side + 1) <= numPatches { side += 1 }
        return side
    }
}

/// transformers' `SiglipVisionTransformer` up to `last_hidden_state`: the patch embedding (a
/// stride-p convolution with bias, run as one GEMM over patchified pixels), learned position
/// embeddings (no class token), the pre-LN encoder (the same layer as CLIP's, with GELU-tanh:
/// ``ClipEncoder``) and `post_layernorm`.
///
/// The same tower serves SigLIP2's NaFlex variant (`Siglip2VisionTransformer`, when the config
/// has `num_patches`): the patch embedding is then a `Linear` over (y, x, channel) patch values,
/// the position grid is resized to each image's own patch grid, and the attention-pooling
/// `head` makes the image embedding (see `SiglipVisionModel+NaFlex.swift`). Fixed-size SigLIP
/// (ColModernVBERT) never runs the head and leaves it unloaded.
public struct SiglipVisionModel: Sendable {
    public let config: SiglipVisionConfig
    /// `embeddings.patch_embedding` seen as a `Linear` from `channels * p * p` values in
    /// (channel, y, x) order to `hidden`, whichever layout the checkpoint stores.
    let patchEmbedding: Linear
    /// `embeddings.position_embedding.weight`, `[side², hidden]`.
    let positionEmbedding: Tensor
    let encoder: ClipEncoder
    let postLayernorm: LayerNormWeights
    /// `head`: the multi-head attention pooling, loaded only when asked for.
    let head: SiglipAttentionPoolingHead?

    /// Loads `embeddings.*`, `encoder.layers.*`, `post_layernorm` and, when `withHead`, `head.*`
    /// under `loader` (the `vision_model` scope). Without `withHead` the caller ignores `head.*`.
    public init(config: SiglipVisionConfig, loader: WeightLoader, configPath: String, withHead: Bool = false) throws(ModelLoadError) {
        try ConfigCheck.sizes(
            ["vision_config.hidden_size": config.hiddenSize, "vision_config.num_attention_heads": config.numAttentionHeads,
             "vision_config.intermediate_size": config.intermediateSize, "vision_config.num_channels": config.numChannels,
             "vision_config.image_size": config.imageSize, "vision_config.patch_size": config.patchSize,
             "vision_config.num_patches": config.numPatches ?? 1],
            counts: ["vision_config.num_hidden_layers": config.numHiddenLayers], path: configPath)
        guard let activation = Activation(huggingFaceName: config.hiddenAct) else {
            throw .invalidConfig(path: configPath, reason: "vision_config.hidden_act '\(config.hiddenAct)' is not supported")
        }
        guard config.hiddenSize % config.numAttentionHeads == 0 else {
            throw .invalidConfig(path: configPath, reason: "vision hidden_size is not a multiple of num_attention_heads")
        }
        let side = config.positionGridSide
        if let numPatches = config.numPatches {
            guard side * side == numPatches else {
                throw .invalidConfig(path: configPath, reason: "vision_config.num_patches \(numPatches) is not a square grid")
            }
        } else {
            guard config.imageSize % config.patchSize == 0 else {
                throw .invalidConfig(path: configPath, reason: "vision image_size is not a multiple of patch_size")
            }
        }
        self.config = config
        let (h, p, c) = (config.hiddenSize, config.patchSize, config.numChannels)
        let bias = try loader.tensor("embeddings.patch_embedding.bias", shape: [h])
        if config.numPatches != nil {
            // NaFlex patches arrive as (y, x, channel); ours are (channel, y, x) like CLIP's, so
            // clients send one patch layout whatever the model: reorder the weight's columns once.
            let weight = try loader.tensor("embeddings.patch_embedding.weight", shape: [h, p * p * c])
            var reordered = [Float](repeating: 0, count: weight.count)
            for out in 0..<h {
                for y in 0..<p {
                    for x in 0..<p {
                        for channel in 0..<c {
                            reordered[out * c * p * p + (channel * p + y) * p + x] = weight.storage[out * p * p * c + (y * p + x) * c + channel]
                        }
                    }
                }
            }
            patchEmbedding = Linear(weight: Tensor(shape: [h, c * p * p], storage: reordered), bias: bias)
        } else {
            let weight = try loader.tensor("embeddings.patch_embedding.weight", shape: [h, c, p, p])
            patchEmbedding = Linear(weight: weight.reshaped([h, c * p * p]), bias: bias)
        }
        positionEmbedding = try loader.tensor("embeddings.position_embedding.weight", shape: [side * side, h])
        encoder = try ClipEncoder(
            loader.scoped("encoder"), count: config.numHiddenLayers, hidden: h, intermediate: config.intermediateSize,
            heads: config.numAttentionHeads, epsilon: config.layerNormEps, activation: activation)
        postLayernorm = try loader.layerNorm("post_layernorm", width: h, epsilon: config.layerNormEps)
        head = withHead
            ? try SiglipAttentionPoolingHead(
                loader.scoped("head"), hidden: h, intermediate: config.intermediateSize, heads: config.numAttentionHeads,
                epsilon: config.layerNormEps, activation: activation)
            : nil
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
