import EmbeddingKernels
import Foundation

/// `ModernBertEmbeddings`: `tok_embeddings` then `norm`. No position embeddings: positions enter
/// through RoPE in every attention layer.
struct ModernBertEmbeddings: Sendable {
    let tokEmbeddings: Tensor
    let norm: LayerNormWeights

    init(_ loader: WeightLoader, config: ModernBertConfig) throws(ModelLoadError) {
        tokEmbeddings = try loader.tensor("tok_embeddings.weight", shape: [config.vocabSize, config.hiddenSize])
        norm = try loader.layerNorm("norm", width: config.hiddenSize, epsilon: config.normEps, bias: config.normBias)
    }

    /// Writes the `tok_embeddings` rows of every sequence into `output [tokens, hidden]`, not
    /// yet normed (transformers' `inputs_embeds`).
    func lookUp(_ ids: [[Int32]], into output: UnsafeMutablePointer<Float>) {
        let h = tokEmbeddings.columns
        let vocabulary = tokEmbeddings.rows
        var row = 0
        tokEmbeddings.storage.withUnsafeBufferPointer { table in
            for sequence in ids {
                for id in sequence {
                    precondition(id >= 0 && Int(id) < vocabulary, "token id \(id) is outside the vocabulary of \(vocabulary)")
                    (output + row * h).update(from: table.baseAddress! + Int(id) * h, count: h)
                    row += 1
                }
            }
        }
    }
}

/// `ModernBertAttention`: fused `Wqkv`, RoPE on queries and keys, global or sliding-window
/// attention, then `Wo`.
struct ModernBertAttention: Sendable {
    /// `[3 * hidden, hidden]`: query, key and value stacked, each `heads x headDimension`.
    let Wqkv: Linear
    let Wo: Linear
    let heads: Int
    /// The rotation of this layer's type (global and local layers use different theta).
    let rotary: RotaryEmbedding
    /// Keys seen on either side of a query on a local layer; nil on a global layer.
    let slidingWindow: Int?

    init(_ loader: WeightLoader, config: ModernBertConfig, rotary: RotaryEmbedding, slidingWindow: Int?) throws(ModelLoadError) {
        let h = config.hiddenSize
        Wqkv = try loader.linear("Wqkv", inFeatures: h, outFeatures: 3 * h, bias: config.attentionBias)
        Wo = try loader.linear("Wo", inFeatures: h, outFeatures: h, bias: config.attentionBias)
        heads = config.numAttentionHeads
        self.rotary = rotary
        self.slidingWindow = slidingWindow
    }

    /// `hidden += Wo(attention(Wqkv(input)))`: the residual is accumulated by the GEMM itself.
    func callAsFunction(
        _ input: UnsafePointer<Float>, addingTo hidden: UnsafeMutablePointer<Float>, sequences: [Range<Int>], tokens: Int,
        scratch: EncoderScratch, keyMask: UnsafePointer<Bool>?
    ) {
        let h = Wo.outFeatures
        let d = h / heads
        Wqkv(input, rows: tokens, into: scratch.qkv)
        rotary.apply(scratch.qkv, stride: 3 * h, heads: heads, sequences: sequences)
        rotary.apply(scratch.qkv + h, stride: 3 * h, heads: heads, sequences: sequences)
        let projections = Attention.Projections(
            query: scratch.qkv, key: scratch.qkv + h, value: scratch.qkv + 2 * h, stride: 3 * h)
        if let slidingWindow {
            Attention.multiHeadSlidingWindow(
                projections, sequences: sequences, heads: heads, headDimension: d, window: slidingWindow,
                output: scratch.context, keyMask: keyMask)
        } else {
            Attention.multiHead(
                projections, sequences: sequences, heads: heads, headDimension: d, output: scratch.context, keyMask: keyMask)
        }
        Wo.add(scratch.context, rows: tokens, to: hidden)
    }
}

/// `ModernBertMLP`: GeGLU. `Wi` projects to twice the intermediate size; its first half is the
/// input, its second the gate: `Wo(act(input) * gate)`.
struct ModernBertMLP: Sendable {
    let Wi: Linear
    let Wo: Linear
    let activation: Activation

    init(_ loader: WeightLoader, config: ModernBertConfig, activation: Activation) throws(ModelLoadError) {
        let (h, i) = (config.hiddenSize, config.intermediateSize)
        Wi = try loader.linear("Wi", inFeatures: h, outFeatures: 2 * i, bias: config.mlpBias)
        Wo = try loader.linear("Wo", inFeatures: i, outFeatures: h, bias: config.mlpBias)
        self.activation = activation
    }

    /// `hidden += Wo(act(input) * gate)`. The scratch's intermediate buffer holds `Wi`'s
    /// `[tokens, 2 * intermediate]` product, then the gated `[tokens, intermediate]` after it.
    func callAsFunction(_ input: UnsafePointer<Float>, addingTo hidden: UnsafeMutablePointer<Float>, tokens: Int, scratch: EncoderScratch) {
        let intermediate = Wo.inFeatures
        let gated = scratch.intermediate + tokens * 2 * intermediate
        Wi(input, rows: tokens, into: scratch.intermediate)
        activation.applyGated(scratch.intermediate, rows: tokens, width: intermediate, into: gated)
        Wo.add(gated, rows: tokens, to: hidden)
    }
}

/// One `ModernBertEncoderLayer`, pre-LN: `x += attn(attn_norm(x)); x += mlp(mlp_norm(x))`.
/// Layer 0 has no `attn_norm` (an identity in transformers: the embeddings were just normed).
struct ModernBertEncoderLayer: Sendable {
    let attnNorm: LayerNormWeights?
    let attn: ModernBertAttention
    let mlpNorm: LayerNormWeights
    let mlp: ModernBertMLP

    init(
        _ loader: WeightLoader, index: Int, config: ModernBertConfig, activation: Activation, rotary: RotaryEmbedding,
        slidingWindow: Int?
    ) throws(ModelLoadError) {
        let h = config.hiddenSize
        attnNorm = index == 0 ? nil : try loader.layerNorm("attn_norm", width: h, epsilon: config.normEps, bias: config.normBias)
        attn = try ModernBertAttention(loader.scoped("attn"), config: config, rotary: rotary, slidingWindow: slidingWindow)
        mlpNorm = try loader.layerNorm("mlp_norm", width: h, epsilon: config.normEps, bias: config.normBias)
        mlp = try ModernBertMLP(loader.scoped("mlp"), config: config, activation: activation)
    }

    /// Runs the layer on `hidden` in place; `scratch` is sized for `tokens` rows (its
    /// intermediate buffer for `3 * intermediate_size` columns, see ``ModernBertMLP``).
    func callAsFunction(
        _ hidden: UnsafeMutablePointer<Float>, sequences: [Range<Int>], tokens: Int, scratch: EncoderScratch,
        keyMask: UnsafePointer<Bool>?
    ) {
        let h = mlpNorm.gamma.count
        var attentionInput = UnsafePointer(hidden)
        if let attnNorm {
            Self.normalise(hidden, into: scratch.hidden, rows: tokens, width: h, attnNorm)
            attentionInput = UnsafePointer(scratch.hidden)
        }
        attn(attentionInput, addingTo: hidden, sequences: sequences, tokens: tokens, scratch: scratch, keyMask: keyMask)
        Self.normalise(hidden, into: scratch.hidden, rows: tokens, width: h, mlpNorm)
        mlp(scratch.hidden, addingTo: hidden, tokens: tokens, scratch: scratch)
    }

    private static func normalise(
        _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, rows: Int, width: Int, _ norm: LayerNormWeights
    ) {
        LayerNorm.apply(
            input: input, output: output, rows: rows, width: width, gamma: norm.gamma.storage, beta: norm.beta.storage,
            epsilon: norm.epsilon)
    }
}

/// transformers' `ModernBertModel`: token ids in, last hidden state (after `final_norm`) out.
///
/// Global layers attend over the whole sequence; local layers over `local_attention / 2`
/// positions either side, at `O(n * window)` cost (``Attention/multiHeadSlidingWindow(_:sequences:heads:headDimension:window:output:keyMask:)``),
/// so inputs of thousands of tokens stay affordable. Sequences are packed without padding, as
/// for ``BertModel``: a padded reference batch, whose padding keys are masked and whose
/// positions restart at 0 in every row, computes the same values for the real tokens.
public struct ModernBertModel: Sendable {
    public let config: ModernBertConfig
    /// The attention type of each layer, resolved from the config.
    public let layerTypes: [ModernBertConfig.LayerType]
    let embeddings: ModernBertEmbeddings
    let layers: [ModernBertEncoderLayer]
    let finalNorm: LayerNormWeights

    /// Loads the weights under `loader`, whose scope is the model root (`""`, or `model` in a
    /// `ModernBertForMaskedLM` checkpoint: see ``weightRoot(of:)``). `configPath` names the
    /// config in errors. Call `loader.checkAllUsed(ignoring: ModernBertModel.isIgnorable)`
    /// afterwards for a strict load (``load(directory:)`` does).
    public init(config: ModernBertConfig, loader: WeightLoader, configPath: String) throws(ModelLoadError) {
        guard let activation = Activation(huggingFaceName: config.hiddenActivation) else {
            throw .invalidConfig(path: configPath, reason: "hidden_activation '\(config.hiddenActivation)' is not supported")
        }
        for (name, value) in [
            ("vocab_size", config.vocabSize), ("hidden_size", config.hiddenSize), ("intermediate_size", config.intermediateSize),
            ("num_attention_heads", config.numAttentionHeads), ("max_position_embeddings", config.maxPositionEmbeddings),
        ] where value <= 0 {
            throw .invalidConfig(path: configPath, reason: "\(name) must be positive, got \(value)")
        }
        guard config.numHiddenLayers >= 0 else {
            throw .invalidConfig(path: configPath, reason: "num_hidden_layers must not be negative")
        }
        guard config.hiddenSize % config.numAttentionHeads == 0 else {
            throw .invalidConfig(
                path: configPath,
                reason: "hidden_size \(config.hiddenSize) is not a multiple of num_attention_heads \(config.numAttentionHeads)")
        }
        guard config.headDimension % 2 == 0 else {
            throw .invalidConfig(path: configPath, reason: "the head dimension \(config.headDimension) must be even for RoPE")
        }
        guard config.localAttention >= 0 else {
            throw .invalidConfig(path: configPath, reason: "local_attention must not be negative, got \(config.localAttention)")
        }
        guard !config.hasRopeScaling else {
            throw .invalidConfig(path: configPath, reason: "rope_scaling is not supported")
        }
        let layerTypes = try config.resolvedLayerTypes(configPath: configPath)
        var rotations: [ModernBertConfig.LayerType: RotaryEmbedding] = [:]
        for type in Set(layerTypes) {
            rotations[type] = RotaryEmbedding(
                headDimension: config.headDimension, theta: try config.ropeTheta(for: type, configPath: configPath),
                positions: config.maxPositionEmbeddings)
        }
        self.config = config
        self.layerTypes = layerTypes
        embeddings = try ModernBertEmbeddings(loader.scoped("embeddings"), config: config)
        var layers: [ModernBertEncoderLayer] = []
        for (index, type) in layerTypes.enumerated() {
            layers.append(try ModernBertEncoderLayer(
                loader.scoped("layers.\(index)"), index: index, config: config, activation: activation,
                rotary: rotations[type]!, slidingWindow: type == .slidingAttention ? config.slidingWindow : nil))
        }
        self.layers = layers
        finalNorm = try loader.layerNorm("final_norm", width: config.hiddenSize, epsilon: config.normEps, bias: config.normBias)
    }

    /// Where the model's tensors sit in `file`: `""` for a saved `ModernBertModel`
    /// (sentence-transformers folders), `model` for a `ModernBertForMaskedLM` checkpoint
    /// (answerdotai/ModernBERT-base), whose `head.*` and `decoder.*` are then ignorable.
    public static func weightRoot(of file: SafetensorsFile) -> String {
        let name = "embeddings.tok_embeddings.weight"
        return file.entries[name] == nil && file.entries["model.\(name)"] != nil ? "model" : ""
    }

    /// Tensors an embedding pipeline never reads: the masked-LM head and decoder of a
    /// `ModernBertForMaskedLM` checkpoint.
    public static func isIgnorable(_ name: String) -> Bool {
        name.hasPrefix("head.") || name.hasPrefix("decoder.")
    }

    /// Loads `config.json` and `model.safetensors` of `directory` strictly: a missing, unknown
    /// or misshapen tensor is an error naming it.
    public static func load(directory: URL) throws(ModelLoadError) -> ModernBertModel {
        let configURL = directory.appendingPathComponent("config.json")
        let config = try ModernBertConfig.load(url: configURL)
        let file = try SafetensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        let loader = WeightLoader(file: file, prefix: weightRoot(of: file))
        let model = try ModernBertModel(config: config, loader: loader, configPath: configURL.path)
        try loader.checkAllUsed(ignoring: isIgnorable)
        return model
    }

    /// The longest sequence: `max_position_embeddings`, as far as RoPE is tabulated.
    public var maxPositions: Int { config.maxPositionEmbeddings }

    /// Encodes sequences of token ids (each at most `maxPositions` long, ids below `vocab_size`).
    public func callAsFunction(_ ids: [[Int32]]) -> PackedHiddenStates {
        callAsFunction(ids, attendable: nil)
    }

    /// Encodes sequences where some tokens are not attended to (transformers' `attention_mask`
    /// 0) but still produce an output row, as ``BertModel/callAsFunction(_:attendable:)``: on
    /// local layers such keys are excluded inside the window as well. `attendable` has one flag
    /// per token of each sequence.
    public func callAsFunction(_ ids: [[Int32]], attendable: [[Bool]]?) -> PackedHiddenStates {
        callAsFunction(inputsEmbeds: inputEmbeddings(ids), lengths: ids.map(\.count), attendable: attendable)
    }

    /// The `tok_embeddings` rows of every sequence, packed `[tokens, hidden]`: transformers'
    /// `get_input_embeddings()(input_ids)`, which a multimodal model (ColModernVBERT) edits,
    /// putting image features in place of image tokens, before
    /// ``callAsFunction(inputsEmbeds:lengths:attendable:)``.
    public func inputEmbeddings(_ ids: [[Int32]]) -> Tensor {
        var rows = Tensor(shape: [ids.reduce(0) { $0 + $1.count }, config.hiddenSize])
        rows.storage.withUnsafeMutableBufferPointer { embeddings.lookUp(ids, into: $0.baseAddress!) }
        return rows
    }

    /// Encodes packed input embeddings (`inputs_embeds`: rows before `embeddings.norm`, which
    /// is applied here as transformers does), sequences of `lengths` rows laid end to end.
    public func callAsFunction(inputsEmbeds: Tensor, lengths: [Int], attendable: [[Bool]]? = nil) -> PackedHiddenStates {
        let keyFlags = attendable?.flatMap { $0 }
        let tokens = lengths.reduce(0, +)
        let h = config.hiddenSize
        precondition(inputsEmbeds.rows == tokens && inputsEmbeds.columns == h, "inputs_embeds is not [\(tokens), \(h)]")
        precondition(keyFlags == nil || keyFlags!.count == tokens, "one attendable flag per token")
        precondition(lengths.allSatisfy { $0 <= maxPositions }, "a sequence is longer than max_position_embeddings \(maxPositions)")
        let sequences = PackedHiddenStates.ranges(lengths: lengths)
        var hidden = inputsEmbeds
        guard tokens > 0 else { return PackedHiddenStates(values: hidden, sequences: sequences) }
        // Wi's [tokens, 2 * intermediate] product and the gated [tokens, intermediate] after it.
        let intermediateColumns = 3 * config.intermediateSize
        let (layers, finalNorm) = (layers, finalNorm)
        var flags = keyFlags ?? []
        hidden.storage.withUnsafeMutableBufferPointer { buffer in
            flags.withUnsafeMutableBufferPointer { flagBuffer in
                embeddings.norm(buffer.baseAddress!, rows: tokens)
                let base = SendablePointer(buffer.baseAddress!)
                let mask = keyFlags == nil ? nil : SendablePointer(flagBuffer.baseAddress!)
                SequenceGroups.forEach(sequences) { firstRow, group, rows in
                    let groupMask = mask.map { UnsafePointer($0.base + firstRow) }
                    let groupHidden = base.base + firstRow * h
                    EncoderScratch.withScratch(tokens: rows, hidden: h, intermediateSize: intermediateColumns) { scratch in
                        for layer in layers {
                            layer(groupHidden, sequences: group, tokens: rows, scratch: scratch, keyMask: groupMask)
                        }
                    }
                    finalNorm(groupHidden, rows: rows)
                }
            }
        }
        return PackedHiddenStates(values: hidden, sequences: sequences)
    }
}
