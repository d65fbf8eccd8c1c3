import EmbeddingKernels

/// CLIP's text tower (`text_model.*` and `text_projection`): token + position embeddings, a
/// causal pre-LN encoder, `final_layer_norm`, pooled at the end-of-text token and projected.
public struct ClipTextModel: TextTower {
    public let config: ClipConfig.Text
    let tokenEmbedding: Tensor
    let positionEmbedding: Tensor
    let encoder: ClipEncoder
    let finalLayerNorm: LayerNormWeights
    /// `text_projection`, without bias.
    let projection: Linear

    /// Loads from a loader at the model root (`text_model.*`, `text_projection.weight`).
    public init(config: ClipConfig, loader: WeightLoader, configPath: String) throws(ModelLoadError) {
        let text = config.textConfig
        try ConfigCheck.sizes(
            ["text_config.vocab_size": text.vocabSize, "text_config.hidden_size": text.hiddenSize,
             "text_config.num_attention_heads": text.numAttentionHeads, "text_config.intermediate_size": text.intermediateSize,
             "text_config.max_position_embeddings": text.maxPositionEmbeddings, "projection_dim": config.projectionDim],
            counts: ["text_config.num_hidden_layers": text.numHiddenLayers], path: configPath)
        guard let activation = Activation(huggingFaceName: text.hiddenAct) else {
            throw .invalidConfig(path: configPath, reason: "text_config.hidden_act '\(text.hiddenAct)' is not supported")
        }
        guard text.hiddenSize % text.numAttentionHeads == 0 else {
            throw .invalidConfig(path: configPath, reason: "text hidden_size is not a multiple of num_attention_heads")
        }
        self.config = text
        let model = loader.scoped("text_model")
        tokenEmbedding = try model.tensor("embeddings.token_embedding.weight", shape: [text.vocabSize, text.hiddenSize])
        positionEmbedding = try model.tensor("embeddings.position_embedding.weight", shape: [text.maxPositionEmbeddings, text.hiddenSize])
        encoder = try ClipEncoder(
            model.scoped("encoder"), count: text.numHiddenLayers, hidden: text.hiddenSize,
            intermediate: text.intermediateSize, heads: text.numAttentionHeads, epsilon: text.layerNormEps,
            activation: activation)
        finalLayerNorm = try model.layerNorm("final_layer_norm", width: text.hiddenSize, epsilon: text.layerNormEps)
        projection = try loader.linear("text_projection", inFeatures: text.hiddenSize, outFeatures: config.projectionDim, bias: false)
    }

    public var maxPositions: Int { config.maxPositionEmbeddings }
    public var pooledDimension: Int { projection.outFeatures }
    public var tokenDimension: Int { projection.outFeatures }

    /// The states after `final_layer_norm` (transformers' `last_hidden_state`).
    public func forward(_ ids: [[Int32]]) -> PackedHiddenStates {
        let h = config.hiddenSize
        let lengths = ids.map(\.count)
        let sequences = PackedHiddenStates.ranges(lengths: lengths)
        var states = Tensor(shape: [lengths.reduce(0, +), h])
        var row = 0
        for sequence in ids {
            for (position, id) in sequence.enumerated() {
                for i in 0..<h {
                    states.storage[row * h + i] = tokenEmbedding.storage[Int(id) * h + i] + positionEmbedding.storage[position * h + i]
                }
                row += 1
            }
        }
        encoder(&states, sequences: sequences, causal: true)
        let rows = states.rows
        states.storage.withUnsafeMutableBufferPointer { finalLayerNorm($0.baseAddress!, rows: rows) }
        return PackedHiddenStates(values: states, sequences: sequences)
    }

    /// The end-of-text position: transformers takes the first `eos_token_id`, or the arg-max id
    /// for configs that still carry the legacy `eos_token_id` 2 (the end token has the highest id).
    func poolingPosition(_ ids: [Int32]) -> Int {
        if config.eosTokenId == 2 {
            return ids.indices.max { ids[$0] < ids[$1] } ?? 0
        }
        return ids.firstIndex(of: Int32(config.eosTokenId)) ?? (ids.count - 1)
    }

    /// `text_projection(final_layer_norm(h)[eot])`: transformers' `text_embeds` before normalising.
    public func pooled(_ states: PackedHiddenStates, ids: [[Int32]], index: Int) -> [Float] {
        let row = states.sequences[index].lowerBound + poolingPosition(ids[index])
        return project(states.values.row(row))
    }

    /// Every token through `text_projection`.
    public func tokenVectors(_ states: PackedHiddenStates, index: Int) -> [[Float]] {
        states.sequences[index].map { project(states.values.row($0)) }
    }

    func project(_ state: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: projection.outFeatures)
        projection(state, rows: 1, into: &out)
        return out
    }
}
