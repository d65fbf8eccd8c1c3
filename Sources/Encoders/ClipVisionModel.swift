import EmbeddingKernels

/// CLIP's vision tower (`vision_model.*` and `visual_projection`): a ViT whose patch embedding (a
/// stride-p convolution without bias) runs as one GEMM over patchified pixels, then a class
/// token, position embeddings (bicubically interpolated for grids other than the trained one),
/// `pre_layrnorm`, the pre-LN encoder, and `post_layernorm` + projection.
public struct ClipVisionModel: Sendable {
    public let config: ClipConfig.Vision
    /// `patch_embedding.weight` seen as a `Linear` from `channels * p * p` patch values to
    /// `hidden`, without bias.
    let patchEmbedding: Linear
    let classEmbedding: Tensor
    let positionEmbedding: Tensor
    let preLayerNorm: LayerNormWeights
    let encoder: ClipEncoder
    let postLayerNorm: LayerNormWeights
    let projection: Linear

    public init(config: ClipConfig, loader: WeightLoader, configPath: String) throws(ModelLoadError) {
        let vision = config.visionConfig
        try ConfigCheck.sizes(
            ["vision_config.hidden_size": vision.hiddenSize, "vision_config.num_attention_heads": vision.numAttentionHeads,
             "vision_config.intermediate_size": vision.intermediateSize, "vision_config.num_channels": vision.numChannels,
             "vision_config.image_size": vision.imageSize, "vision_config.patch_size": vision.patchSize,
             "projection_dim": config.projectionDim],
            counts: ["vision_config.num_hidden_layers": vision.numHiddenLayers], path: configPath)
        guard let activation = Activation(huggingFaceName: vision.hiddenAct) else {
            throw .invalidConfig(path: configPath, reason: "vision_config.hidden_act '\(vision.hiddenAct)' is not supported")
        }
        guard vision.hiddenSize % vision.numAttentionHeads == 0, vision.patchSize > 0, vision.imageSize % vision.patchSize == 0 else {
            throw .invalidConfig(path: configPath, reason: "vision hidden_size/heads or image_size/patch_size do not divide")
        }
        self.config = vision
        let h = vision.hiddenSize, p = vision.patchSize
        let model = loader.scoped("vision_model")
        let grid = vision.imageSize / p
        let patchWeight = try model.tensor("embeddings.patch_embedding.weight", shape: [h, vision.numChannels, p, p])
        patchEmbedding = Linear(weight: patchWeight.reshaped([h, vision.numChannels * p * p]), bias: nil)
        classEmbedding = try model.tensor("embeddings.class_embedding", shape: [h])
        positionEmbedding = try model.tensor("embeddings.position_embedding.weight", shape: [grid * grid + 1, h])
        preLayerNorm = try model.layerNorm("pre_layrnorm", width: h, epsilon: vision.layerNormEps)
        encoder = try ClipEncoder(
            model.scoped("encoder"), count: vision.numHiddenLayers, hidden: h, intermediate: vision.intermediateSize,
            heads: vision.numAttentionHeads, epsilon: vision.layerNormEps, activation: activation)
        postLayerNorm = try model.layerNorm("post_layernorm", width: h, epsilon: vision.layerNormEps)
        projection = try loader.linear("visual_projection", inFeatures: h, outFeatures: config.projectionDim, bias: false)
    }

    /// Patches per side of the trained grid.
    public var trainedGrid: Int { config.imageSize / config.patchSize }
    /// Values in one patch: channels × p × p.
    public var patchValues: Int { config.numChannels * config.patchSize * config.patchSize }
    /// Size of the projected embeddings.
    public var projectionDimension: Int { projection.outFeatures }

    /// One image's patches: `rows * cols` patches of ``patchValues`` values each, in
    /// (channel, y, x) order, row-major over the grid.
    public struct PatchGrid: Sendable {
        public var rows: Int
        public var cols: Int
        public var values: [Float]

        public init(rows: Int, cols: Int, values: [Float]) {
            self.rows = rows
            self.cols = cols
            self.values = values
        }
    }

    /// The last hidden state (before `post_layernorm`) of each image: `1 + rows*cols` tokens.
    public func forward(_ images: [PatchGrid]) -> PackedHiddenStates {
        let h = config.hiddenSize
        let lengths = images.map { 1 + $0.rows * $0.cols }
        let sequences = PackedHiddenStates.ranges(lengths: lengths)
        var states = Tensor(shape: [lengths.reduce(0, +), h])
        // All patches of all images in one GEMM.
        let allPatches = images.flatMap(\.values)
        var embedded = [Float](repeating: 0, count: (allPatches.count / patchValues) * h)
        patchEmbedding(allPatches, rows: allPatches.count / patchValues, into: &embedded)
        var patchRow = 0
        for (index, image) in images.enumerated() {
            let positions = positionEmbeddings(rows: image.rows, cols: image.cols)
            let first = sequences[index].lowerBound
            for i in 0..<h { states.storage[first * h + i] = classEmbedding.storage[i] + positions[i] }
            for token in 1 ... image.rows * image.cols {
                for i in 0..<h {
                    states.storage[(first + token) * h + i] = embedded[patchRow * h + i] + positions[token * h + i]
                }
                patchRow += 1
            }
        }
        let rows = states.rows
        states.storage.withUnsafeMutableBufferPointer { preLayerNorm($0.baseAddress!, rows: rows) }
        encoder(&states, sequences: sequences, causal: false)
        return PackedHiddenStates(values: states, sequences: sequences)
    }

    /// `visual_projection(post_layernorm(h))` of every token of image `index`, or only of the
    /// class token (`image_embeds`) when `classTokenOnly`.
    public func projected(_ states: PackedHiddenStates, index: Int, classTokenOnly: Bool) -> [[Float]] {
        let rows = classTokenOnly ? states.sequences[index].prefix(1) : states.sequences[index]
        var selected = rows.flatMap { states.values.row($0) }
        let count = rows.count
        selected.withUnsafeMutableBufferPointer { postLayerNorm($0.baseAddress!, rows: count) }
        var out = [Float](repeating: 0, count: count * projection.outFeatures)
        projection(selected, rows: count, into: &out)
        return (0..<count).map { Array(out[$0 * projection.outFeatures ..< ($0 + 1) * projection.outFeatures]) }
    }

    /// Position embeddings for a `rows x cols` grid: the trained ones, or the patch positions
    /// resized bicubically as transformers' `interpolate_pos_encoding` does.
    func positionEmbeddings(rows: Int, cols: Int) -> [Float] {
        let grid = trainedGrid
        if rows == grid && cols == grid { return positionEmbedding.storage }
        let h = config.hiddenSize
        var result = Array(positionEmbedding.storage.prefix(h))
        let patches = Array(positionEmbedding.storage.dropFirst(h))
        result += BicubicResize.resizeGrid(patches, height: grid, width: grid, channels: h, toHeight: rows, toWidth: cols)
        return result
    }
}
