import EmbeddingKernels
import Foundation
import Tokenizers

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

    /// The text embedder of a sentence-transformers ModernBERT folder: ``load(directory:)``
    /// with `tokenizer` (the folder's `tokenizer.json`, loaded by the caller). Fails when the
    /// tokenizer can produce ids beyond the embedding table.
    public static func embedder(directory: URL, tokenizer: any TextTokenizer) throws(ModelLoadError) -> TextEmbedder {
        let (tower, pipeline) = try load(directory: directory)
        guard tokenizer.vocabularySize <= tower.model.config.vocabSize else {
            throw .invalidConfig(
                path: directory.appendingPathComponent("config.json").path,
                reason: "the tokenizer has \(tokenizer.vocabularySize) tokens but vocab_size is \(tower.model.config.vocabSize)")
        }
        return TextEmbedder(tokenizer: tokenizer, tower: tower, pipeline: pipeline)
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
