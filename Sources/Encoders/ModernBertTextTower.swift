import EmbeddingKernels
import Foundation

/// ModernBERT with a sentence-transformers pooling mode (gte-modernbert, modernbert-embed);
/// token vectors are the last hidden state. The counterpart of ``BertTextTower``.
public struct ModernBertTextTower: TextTower {
    public let model: ModernBertModel
    public let pooling: Pooling

    public init(model: ModernBertModel, pooling: Pooling) {
        self.model = model
        self.pooling = pooling
    }

    /// Loads the model of a sentence-transformers folder (`config.json`, `model.safetensors`,
    /// strictly) and its pipeline files (pooling, Normalize, max_seq_length, prompts). Without a
    /// Pooling module the tower mean-pools, as sentence-transformers does for a bare model. The
    /// tokenizer is the caller's: combine both in a ``TextEmbedder``, after checking at load
    /// that the tokenizer's vocabulary fits `model.config.vocabSize` (an id beyond the embedding
    /// table is a bug of the caller, stopped by a precondition, not an input error).
    public static func load(directory: URL) throws(ModelLoadError) -> (tower: ModernBertTextTower, pipeline: SentenceTransformerPipeline) {
        let model = try ModernBertModel.load(directory: directory)
        let pipeline = try SentenceTransformerPipeline.load(directory: directory)
        return (ModernBertTextTower(model: model, pooling: pipeline.pooling ?? .mean), pipeline)
    }

    public var maxPositions: Int { model.maxPositions }
    public var pooledDimension: Int { model.config.hiddenSize }
    public var tokenDimension: Int { model.config.hiddenSize }

    public func forward(_ ids: [[Int32]]) -> PackedHiddenStates { model(ids) }

    public func pooled(_ states: PackedHiddenStates, ids: [[Int32]], index: Int) -> [Float] {
        pooling.pool(states.values, rows: states.sequences[index])
    }

    public func tokenVectors(_ states: PackedHiddenStates, index: Int) -> [[Float]] {
        states.tokens(of: index)
    }
}
