import EmbeddingKernels
import Foundation

/// `config.json` of a BERT-family checkpoint (all-MiniLM, bge, e5, gte, ColBERT backbones).
///
/// Keys are snake_case in the file; a key that is absent takes transformers' `BertConfig`
/// default (bert-base), given below. Sizes that disagree with the weights fail at loading,
/// naming the tensor.
public struct BertConfig: Decodable, Sendable {
    /// Rows of the word embedding table (default 30522).
    public var vocabSize: Int = 30522
    /// Width of every hidden state (default 768).
    public var hiddenSize: Int = 768
    /// Transformer layers (default 12).
    public var numHiddenLayers: Int = 12
    /// Attention heads per layer; must divide `hiddenSize` (default 12).
    public var numAttentionHeads: Int = 12
    /// Width of the feed-forward block (default 3072).
    public var intermediateSize: Int = 3072
    /// Feed-forward activation: `gelu` (erf) for BERT; read, not assumed (default `gelu`).
    public var hiddenAct: String = "gelu"
    /// Rows of the position embedding table: the longest input (default 512).
    public var maxPositionEmbeddings: Int = 512
    /// Rows of the token type table; only type 0 is used (default 2).
    public var typeVocabSize: Int = 2
    /// Epsilon of every LayerNorm (default 1e-12).
    public var layerNormEps: Float = 1e-12
    /// Only `absolute` is implemented (default `absolute`).
    public var positionEmbeddingType: String? = "absolute"

    /// bert-base: every property at its default.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct
        case maxPositionEmbeddings, typeVocabSize, layerNormEps, positionEmbeddingType
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? vocabSize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? hiddenAct
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? maxPositionEmbeddings
        typeVocabSize = try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? typeVocabSize
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? layerNormEps
        positionEmbeddingType = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? "absolute"
    }
}

/// `BertEmbeddings`: word + absolute position + token type (always type 0), then LayerNorm.
struct BertEmbeddings: Sendable {
    let wordEmbeddings: Tensor
    let positionEmbeddings: Tensor
    let tokenTypeEmbeddings: Tensor
    let layerNorm: LayerNormWeights

    init(_ loader: WeightLoader, config: BertConfig) throws(ModelLoadError) {
        let h = config.hiddenSize
        wordEmbeddings = try loader.tensor("word_embeddings.weight", shape: [config.vocabSize, h])
        positionEmbeddings = try loader.tensor("position_embeddings.weight", shape: [config.maxPositionEmbeddings, h])
        tokenTypeEmbeddings = try loader.tensor("token_type_embeddings.weight", shape: [config.typeVocabSize, h])
        layerNorm = try loader.layerNorm("LayerNorm", width: h, epsilon: config.layerNormEps)
    }

    /// Writes the embedded rows of every sequence into `output [tokens, hidden]`.
    func callAsFunction(_ ids: [[Int32]], into output: UnsafeMutablePointer<Float>) {
        let h = wordEmbeddings.columns
        var row = 0
        wordEmbeddings.storage.withUnsafeBufferPointer { words in
            positionEmbeddings.storage.withUnsafeBufferPointer { positions in
                tokenTypeEmbeddings.storage.withUnsafeBufferPointer { types in
                    for sequence in ids {
                        for (position, id) in sequence.enumerated() {
                            let out = output + row * h
                            let word = words.baseAddress! + Int(id) * h
                            let pos = positions.baseAddress! + position * h
                            for i in 0..<h { out[i] = word[i] + pos[i] + types[i] }
                            row += 1
                        }
                    }
                }
            }
        }
        layerNorm(output, rows: row)
    }
}

/// One `BertLayer`: self-attention (`attention.self.{query,key,value}`, `attention.output`),
/// then the feed-forward block (`intermediate.dense`, `output.dense`), each post-LN.
struct BertLayer: Sendable {
    /// query, key and value stacked, so one GEMM computes all three.
    let queryKeyValue: Linear
    let attentionOutput: Linear
    let attentionLayerNorm: LayerNormWeights
    let intermediate: Linear
    let output: Linear
    let outputLayerNorm: LayerNormWeights
    let heads: Int
    let activation: Activation

    init(_ loader: WeightLoader, config: BertConfig, activation: Activation) throws(ModelLoadError) {
        let h = config.hiddenSize
        let selfAttention = loader.scoped("attention.self")
        queryKeyValue = Linear.fused([
            try selfAttention.linear("query", inFeatures: h, outFeatures: h),
            try selfAttention.linear("key", inFeatures: h, outFeatures: h),
            try selfAttention.linear("value", inFeatures: h, outFeatures: h),
        ])
        attentionOutput = try loader.linear("attention.output.dense", inFeatures: h, outFeatures: h)
        attentionLayerNorm = try loader.layerNorm("attention.output.LayerNorm", width: h, epsilon: config.layerNormEps)
        intermediate = try loader.linear("intermediate.dense", inFeatures: h, outFeatures: config.intermediateSize)
        output = try loader.linear("output.dense", inFeatures: config.intermediateSize, outFeatures: h)
        outputLayerNorm = try loader.layerNorm("output.LayerNorm", width: h, epsilon: config.layerNormEps)
        heads = config.numAttentionHeads
        self.activation = activation
    }

    /// Runs the layer on `hidden` in place, using `scratch` buffers sized for `tokens` rows.
    /// `keyMask` (one flag per row, as `hidden`) excludes rows as attention keys; see
    /// ``BertModel/callAsFunction(_:attendable:)``.
    func callAsFunction(
        _ hidden: UnsafeMutablePointer<Float>, sequences: [Range<Int>], tokens: Int, scratch: EncoderScratch,
        keyMask: UnsafePointer<Bool>? = nil
    ) {
        let h = attentionOutput.outFeatures
        queryKeyValue(hidden, rows: tokens, into: scratch.qkv)
        Attention.multiHead(
            .init(query: scratch.qkv, key: scratch.qkv + h, value: scratch.qkv + 2 * h, stride: 3 * h),
            sequences: sequences, heads: heads, headDimension: h / heads, output: scratch.context, keyMask: keyMask)
        attentionOutput(scratch.context, rows: tokens, into: scratch.hidden)
        attentionLayerNorm(scratch.hidden, rows: tokens, residual: hidden)
        intermediate(scratch.hidden, rows: tokens, into: scratch.intermediate)
        activation.apply(scratch.intermediate, count: tokens * intermediate.outFeatures)
        output(scratch.intermediate, rows: tokens, into: hidden)
        outputLayerNorm(hidden, rows: tokens, residual: scratch.hidden)
    }
}

/// `BertModel` without its pooler: token ids in, last hidden state out.
public struct BertModel: Sendable {
    public let config: BertConfig
    let embeddings: BertEmbeddings
    let layers: [BertLayer]

    /// Tensors a sentence-embedding pipeline never reads: the position-id buffer, the pooler
    /// (sentence-transformers pools itself) and pre-training heads.
    static func isIgnorable(_ name: String) -> Bool {
        name.hasSuffix("position_ids") || name.contains("pooler.") || name.hasPrefix("cls.")
    }

    /// Loads the weights under `loader`, whose scope is the model root (`""` or `bert`).
    public init(config: BertConfig, loader: WeightLoader, configPath: String) throws(ModelLoadError) {
        try ConfigCheck.sizes(
            ["vocab_size": config.vocabSize, "hidden_size": config.hiddenSize, "num_attention_heads": config.numAttentionHeads,
             "intermediate_size": config.intermediateSize, "max_position_embeddings": config.maxPositionEmbeddings,
             "type_vocab_size": config.typeVocabSize],
            counts: ["num_hidden_layers": config.numHiddenLayers], path: configPath)
        guard let activation = Activation(huggingFaceName: config.hiddenAct) else {
            throw .invalidConfig(path: configPath, reason: "hidden_act '\(config.hiddenAct)' is not supported")
        }
        guard config.positionEmbeddingType == "absolute" else {
            throw .invalidConfig(path: configPath, reason: "position_embedding_type '\(config.positionEmbeddingType ?? "")' is not supported (only absolute)")
        }
        guard config.hiddenSize % config.numAttentionHeads == 0 else {
            throw .invalidConfig(path: configPath, reason: "hidden_size \(config.hiddenSize) is not a multiple of num_attention_heads \(config.numAttentionHeads)")
        }
        self.config = config
        embeddings = try BertEmbeddings(loader.scoped("embeddings"), config: config)
        var layers: [BertLayer] = []
        for index in 0..<config.numHiddenLayers {
            layers.append(try BertLayer(loader.scoped("encoder.layer.\(index)"), config: config, activation: activation))
        }
        self.layers = layers
    }

    /// The longest sequence the position embeddings allow.
    public var maxPositions: Int { config.maxPositionEmbeddings }

    /// Encodes sequences of token ids (each at most `maxPositions` long, ids below `vocab_size`).
    public func callAsFunction(_ ids: [[Int32]]) -> PackedHiddenStates {
        callAsFunction(ids, attendable: nil)
    }

    /// Encodes sequences where some tokens are not attended to (HF `attention_mask` 0) but still
    /// produce an output row: ColBERT's [MASK] query expansion, whose tokens attend to the query
    /// but are invisible to it. `attendable` has one flag per token of each sequence.
    public func callAsFunction(_ ids: [[Int32]], attendable: [[Bool]]?) -> PackedHiddenStates {
        let keyFlags = attendable?.flatMap { $0 }
        precondition(keyFlags == nil || keyFlags!.count == ids.reduce(0) { $0 + $1.count }, "one attendable flag per token")
        let lengths = ids.map(\.count)
        let tokens = lengths.reduce(0, +)
        let h = config.hiddenSize
        let sequences = PackedHiddenStates.ranges(lengths: lengths)
        var hidden = Tensor(shape: [tokens, h])
        guard tokens > 0 else { return PackedHiddenStates(values: hidden, sequences: sequences) }
        let intermediateSize = config.intermediateSize
        let layers = layers
        var flags = keyFlags ?? []
        hidden.storage.withUnsafeMutableBufferPointer { buffer in
            flags.withUnsafeMutableBufferPointer { flagBuffer in
                embeddings(ids, into: buffer.baseAddress!)
                let base = SendablePointer(buffer.baseAddress!)
                let mask = keyFlags == nil ? nil : SendablePointer(flagBuffer.baseAddress!)
                SequenceGroups.forEach(sequences) { firstRow, group, rows in
                    let groupMask = mask.map { UnsafePointer($0.base + firstRow) }
                    EncoderScratch.withScratch(tokens: rows, hidden: h, intermediateSize: intermediateSize) { scratch in
                        for layer in layers {
                            layer(base.base + firstRow * h, sequences: group, tokens: rows, scratch: scratch, keyMask: groupMask)
                        }
                    }
                }
            }
        }
        return PackedHiddenStates(values: hidden, sequences: sequences)
    }
}

extension BertModel: TokenEncoderBackbone {
    public var hiddenSize: Int { config.hiddenSize }
}
