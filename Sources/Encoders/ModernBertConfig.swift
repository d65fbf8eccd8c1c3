import Foundation

/// `config.json` of a ModernBERT checkpoint (`model_type` `modernbert`: ModernBERT-base/large,
/// gte-modernbert, modernbert-embed, the text model of ModernColBERT and ColModernVBERT).
///
/// Keys are snake_case in the file and decoded with `convertFromSnakeCase` (``JSONFile``), as
/// ``BertConfig`` is. Defaults are those of transformers' `ModernBertConfig` (ModernBERT-base),
/// so a config that leaves a key out means what it means to transformers.
public struct ModernBertConfig: Decodable, Sendable {
    /// What a layer attends to: every token of its sequence, or a band around each token.
    public enum LayerType: String, Sendable, Equatable {
        /// Global attention (`full_attention`), with the global RoPE theta.
        case fullAttention = "full_attention"
        /// Local attention (`sliding_attention`) within ``ModernBertConfig/slidingWindow`` positions
        /// either side, with the local RoPE theta.
        case slidingAttention = "sliding_attention"
    }

    public var vocabSize: Int = 50368
    public var hiddenSize: Int = 768
    /// Width of the GeGLU's gated half; `mlp.Wi` projects to twice this.
    public var intermediateSize: Int = 1152
    public var numHiddenLayers: Int = 22
    public var numAttentionHeads: Int = 12
    /// Activation of the GeGLU's input half: `gelu` is the exact (erf) GELU in transformers' ACT2FN.
    public var hiddenActivation: String = "gelu"
    /// Longest sequence; RoPE has no table limit in transformers, but this is what the model was
    /// trained for and what we precompute rotations for.
    public var maxPositionEmbeddings: Int = 8192
    public var normEps: Float = 1e-5
    /// Whether the LayerNorms have a `bias` (ModernBERT's have none).
    public var normBias: Bool = false
    /// Whether `attn.Wqkv` and `attn.Wo` have a `bias`.
    public var attentionBias: Bool = false
    /// Whether `mlp.Wi` and `mlp.Wo` have a `bias`.
    public var mlpBias: Bool = false
    /// Total width of the local attention window: a token of a sliding layer sees the positions
    /// at most `local_attention / 2` away on either side (see ``slidingWindow``).
    public var localAttention: Int = 128
    /// Older configs' layer pattern: layer `i` is global when `i % n == 0`. Ignored when
    /// `layer_types` is present.
    public var globalAttnEveryNLayers: Int = 3
    /// `layer_types` as written (transformers 5 configs); nil derives it from
    /// ``globalAttnEveryNLayers``. Read through ``resolvedLayerTypes(configPath:)``.
    public var layerTypes: [String]?
    /// Older configs' RoPE base of the global layers; `rope_parameters.full_attention.rope_theta` wins.
    public var globalRopeTheta: Double?
    /// Older configs' RoPE base of the local layers; `rope_parameters.sliding_attention.rope_theta` wins.
    public var localRopeTheta: Double?
    /// transformers 5's per-layer-type RoPE settings.
    public var ropeParameters: RopeParameters?
    /// Set when the config asks for RoPE scaling (`rope_scaling` not null), which we do not implement.
    public var hasRopeScaling: Bool = false
    public var padTokenId: Int?
    public var clsTokenId: Int?
    public var sepTokenId: Int?

    /// `rope_parameters`: one entry per layer type.
    public struct RopeParameters: Decodable, Sendable {
        public var fullAttention: RopeLayerParameters?
        public var slidingAttention: RopeLayerParameters?
    }

    /// One layer type's RoPE: only the `default` type (plain rotary embedding) is implemented.
    public struct RopeLayerParameters: Decodable, Sendable {
        public var ropeTheta: Double?
        public var ropeType: String?
    }

    /// Decodes any JSON value and keeps nothing: only whether a key holds something matters.
    private struct AnyValue: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, hiddenActivation
        case maxPositionEmbeddings, normEps, normBias, attentionBias, mlpBias, localAttention
        case globalAttnEveryNLayers, layerTypes, globalRopeTheta, localRopeTheta, ropeParameters, ropeScaling
        case padTokenId, clsTokenId, sepTokenId
    }

    /// The ModernBERT-base defaults, for benchmarks on random weights and for tests.
    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? vocabSize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? hiddenActivation
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? maxPositionEmbeddings
        normEps = try c.decodeIfPresent(Float.self, forKey: .normEps) ?? normEps
        normBias = try c.decodeIfPresent(Bool.self, forKey: .normBias) ?? normBias
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? attentionBias
        mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlpBias) ?? mlpBias
        localAttention = try c.decodeIfPresent(Int.self, forKey: .localAttention) ?? localAttention
        globalAttnEveryNLayers = try c.decodeIfPresent(Int.self, forKey: .globalAttnEveryNLayers) ?? globalAttnEveryNLayers
        layerTypes = try c.decodeIfPresent([String].self, forKey: .layerTypes)
        globalRopeTheta = try c.decodeIfPresent(Double.self, forKey: .globalRopeTheta)
        localRopeTheta = try c.decodeIfPresent(Double.self, forKey: .localRopeTheta)
        ropeParameters = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        hasRopeScaling = try c.decodeIfPresent(AnyValue.self, forKey: .ropeScaling) != nil
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId)
        clsTokenId = try c.decodeIfPresent(Int.self, forKey: .clsTokenId)
        sepTokenId = try c.decodeIfPresent(Int.self, forKey: .sepTokenId)
    }

    /// Reads `config.json` at `url`.
    public static func load(url: URL) throws(ModelLoadError) -> ModernBertConfig {
        try JSONFile.decode(ModernBertConfig.self, at: url)
    }

    /// Positions a token of a sliding layer sees on each side: `local_attention // 2`, as
    /// transformers' `config.sliding_window` (its mask keeps `|query - key| <= sliding_window`).
    public var slidingWindow: Int { localAttention / 2 }

    /// Size of each attention head.
    public var headDimension: Int { hiddenSize / max(numAttentionHeads, 1) }

    /// The attention type of every layer: `layer_types` when given, else global on every
    /// `global_attn_every_n_layers`-th layer starting with layer 0.
    public func resolvedLayerTypes(configPath: String) throws(ModelLoadError) -> [LayerType] {
        guard let layerTypes else {
            guard globalAttnEveryNLayers > 0 else {
                throw .invalidConfig(path: configPath, reason: "global_attn_every_n_layers must be positive, got \(globalAttnEveryNLayers)")
            }
            return (0..<numHiddenLayers).map { $0 % globalAttnEveryNLayers == 0 ? .fullAttention : .slidingAttention }
        }
        guard layerTypes.count == numHiddenLayers else {
            throw .invalidConfig(
                path: configPath, reason: "layer_types has \(layerTypes.count) entries for \(numHiddenLayers) hidden layers")
        }
        var types: [LayerType] = []
        for name in layerTypes {
            guard let type = LayerType(rawValue: name) else {
                throw .invalidConfig(path: configPath, reason: "layer type '\(name)' is not full_attention or sliding_attention")
            }
            types.append(type)
        }
        return types
    }

    /// The RoPE base of a layer type: `rope_parameters` first, then the older
    /// `global_rope_theta` / `local_rope_theta`, then transformers' defaults (160000 / 10000).
    public func ropeTheta(for type: LayerType, configPath: String) throws(ModelLoadError) -> Double {
        let parameters = type == .fullAttention ? ropeParameters?.fullAttention : ropeParameters?.slidingAttention
        if let ropeType = parameters?.ropeType, ropeType != "default" {
            throw .invalidConfig(path: configPath, reason: "rope_type '\(ropeType)' is not supported (only default)")
        }
        let theta = parameters?.ropeTheta
            ?? (type == .fullAttention ? globalRopeTheta ?? 160_000 : localRopeTheta ?? 10_000)
        guard theta > 0, theta.isFinite else {
            throw .invalidConfig(path: configPath, reason: "rope_theta \(theta) of \(type.rawValue) must be positive")
        }
        return theta
    }
}
