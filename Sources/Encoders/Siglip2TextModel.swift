import EmbeddingKernels

/// SigLIP2's text tower (`text_model.*`): token + position embeddings, a bidirectional pre-LN
/// encoder (CLIP's layer with GELU-tanh), `final_layer_norm`, and `head`, a `Linear` into the
/// shared space applied to the last position.
///
/// SigLIP text towers are trained on sequences padded to `max_position_embeddings` (64) and
/// Siglip2's tokenizer pads on the left, so a text of n tokens sits at positions 64-n ..< 64
/// and the last position, which is pooled, is its last token. The padding is masked out of
/// attention, so it changes nothing but those positions: this tower runs only the n real
/// tokens, at those positions, and computes exactly what transformers computes on the padded
/// batch. An empty text is all padding with every key masked: transformers' default (SDPA)
/// attention then gives each position a zero context, so the positions never mix and the
/// pooled last one is computed alone, as one pad token whose attention sees no key.
public struct Siglip2TextModel: TextTower {
    public let config: Siglip2Config.Text
    let tokenEmbedding: Tensor
    let positionEmbedding: Tensor
    let encoder: ClipEncoder
    let finalLayerNorm: LayerNormWeights
    /// `head`, with bias.
    let head: Linear

    /// Loads from a loader scoped at `text_model`.
    public init(config: Siglip2Config.Text, loader: WeightLoader, configPath: String) throws(ModelLoadError) {
        try ConfigCheck.sizes(
            ["text_config.vocab_size": config.vocabSize, "text_config.hidden_size": config.hiddenSize,
             "text_config.num_attention_heads": config.numAttentionHeads, "text_config.intermediate_size": config.intermediateSize,
             "text_config.max_position_embeddings": config.maxPositionEmbeddings, "text_config.projection_size": config.outputSize],
            counts: ["text_config.num_hidden_layers": config.numHiddenLayers], path: configPath)
        guard let activation = Activation(huggingFaceName: config.hiddenAct) else {
            throw .invalidConfig(path: configPath, reason: "text_config.hidden_act '\(config.hiddenAct)' is not supported")
        }
        guard config.hiddenSize % config.numAttentionHeads == 0 else {
            throw .invalidConfig(path: configPath, reason: "text hidden_size is not a multiple of num_attention_heads")
        }
        guard (0..<config.vocabSize).contains(config.padTokenId) else {
            throw .invalidConfig(path: configPath, reason: "text_config.pad_token_id \(config.padTokenId) is outside the vocabulary")
        }
        self.config = config
        let h = config.hiddenSize
        tokenEmbedding = try loader.tensor("embeddings.token_embedding.weight", shape: [config.vocabSize, h])
        positionEmbedding = try loader.tensor("embeddings.position_embedding.weight", shape: [config.maxPositionEmbeddings, h])
        encoder = try ClipEncoder(
            loader.scoped("encoder"), count: config.numHiddenLayers, hidden: h, intermediate: config.intermediateSize,
            heads: config.numAttentionHeads, epsilon: config.layerNormEps, activation: activation)
        finalLayerNorm = try loader.layerNorm("final_layer_norm", width: h, epsilon: config.layerNormEps)
        head = try loader.linear("head", inFeatures: h, outFeatures: config.outputSize)
    }

    public var maxPositions: Int { config.maxPositionEmbeddings }
    public var pooledDimension: Int { head.outFeatures }
    public var tokenDimension: Int { head.outFeatures }

    /// The states after `final_layer_norm` of each text's tokens (at their left-padded
    /// positions). An empty text has no token, so its range is empty; the state of its last
    /// pad position, which ``pooled(_:ids:index:)`` reads, is the row just before that range.
    public func forward(_ ids: [[Int32]]) -> PackedHiddenStates {
        let h = config.hiddenSize
        let length = config.maxPositionEmbeddings
        let sequencesIDs = ids.map { $0.isEmpty ? [Int32(config.padTokenId)] : $0 }
        let keyMask = ids.contains(where: \.isEmpty) ? ids.flatMap { $0.isEmpty ? [false] : [Bool](repeating: true, count: $0.count) } : nil
        let lengths = sequencesIDs.map(\.count)
        precondition(lengths.allSatisfy { $0 <= length }, "a text is longer than \(length) tokens")
        let sequences = PackedHiddenStates.ranges(lengths: lengths)
        var states = Tensor(shape: [lengths.reduce(0, +), h])
        var row = 0
        for sequence in sequencesIDs {
            let firstPosition = length - sequence.count
            for (offset, id) in sequence.enumerated() {
                let token = Int(id) * h, position = (firstPosition + offset) * h
                for i in 0..<h { states.storage[row * h + i] = tokenEmbedding.storage[token + i] + positionEmbedding.storage[position + i] }
                row += 1
            }
        }
        encoder(&states, sequences: sequences, causal: false, keyMask: keyMask)
        let rows = states.rows
        if rows > 0 { states.storage.withUnsafeMutableBufferPointer { finalLayerNorm($0.baseAddress!, rows: rows) } }
        let tokenRanges = zip(ids, sequences).map { $0.isEmpty ? $1.upperBound ..< $1.upperBound : $1 }
        return PackedHiddenStates(values: states, sequences: tokenRanges)
    }

    /// `head(final_layer_norm(h)[-1])`: transformers' `pooler_output`, `text_embeds` before normalising.
    public func pooled(_ states: PackedHiddenStates, ids: [[Int32]], index: Int) -> [Float] {
        project(states.values.row(states.sequences[index].upperBound - 1))
    }

    /// Every token through `head` (none for an empty text).
    public func tokenVectors(_ states: PackedHiddenStates, index: Int) -> [[Float]] {
        states.sequences[index].map { project(states.values.row($0)) }
    }

    func project(_ state: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: head.outFeatures)
        head(state, rows: 1, into: &out)
        return out
    }
}
