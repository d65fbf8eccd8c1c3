import EmbeddingKernels

/// A text encoder architecture as the embedding pipeline sees it: token ids in, token states
/// out, plus how that architecture makes one pooled vector and per-token vectors.
///
/// BERT pools as its sentence-transformers pipeline says; CLIP pools at the end-of-text token
/// through its final layer norm and projection. Keeping that here lets ``TextEmbedder`` handle
/// prompts, truncation, batching, Matryoshka and normalisation once for every architecture.
public protocol TextTower: Sendable {
    /// Longest sequence of token ids (special tokens included) the model accepts.
    var maxPositions: Int { get }
    /// Size of a pooled embedding.
    var pooledDimension: Int { get }
    /// Size of one per-token (multi-vector) embedding.
    var tokenDimension: Int { get }
    /// The last hidden state of every sequence.
    func forward(_ ids: [[Int32]]) -> PackedHiddenStates
    /// The pooled (not yet normalised) embedding of sequence `index`.
    func pooled(_ states: PackedHiddenStates, ids: [[Int32]], index: Int) -> [Float]
    /// The per-token (not yet normalised) vectors of sequence `index`.
    func tokenVectors(_ states: PackedHiddenStates, index: Int) -> [[Float]]
}

/// An encoder under a sentence-transformers pooling mode, token vectors being its last hidden
/// state: BERT (all-MiniLM, bge, e5) and ModernBERT (gte-modernbert, modernbert-embed) alike.
public struct PooledEncoderTower<Backbone: TokenEncoderBackbone>: TextTower {
    public let model: Backbone
    public let pooling: Pooling

    public init(model: Backbone, pooling: Pooling) {
        self.model = model
        self.pooling = pooling
    }

    public var maxPositions: Int { model.maxPositions }
    public var pooledDimension: Int { model.hiddenSize }
    public var tokenDimension: Int { model.hiddenSize }

    public func forward(_ ids: [[Int32]]) -> PackedHiddenStates { model(ids) }

    public func pooled(_ states: PackedHiddenStates, ids: [[Int32]], index: Int) -> [Float] {
        pooling.pool(states.values, rows: states.sequences[index])
    }

    public func tokenVectors(_ states: PackedHiddenStates, index: Int) -> [[Float]] {
        states.tokens(of: index)
    }
}

/// BERT with a sentence-transformers pooling mode.
public typealias BertTextTower = PooledEncoderTower<BertModel>
