import EmbeddingKernels
import Foundation
import Tokenizers

/// ModernBERT with a sentence-transformers pooling mode (gte-modernbert, modernbert-embed).
public typealias ModernBertTextTower = PooledEncoderTower<ModernBertModel>

extension PooledEncoderTower where Backbone == ModernBertModel {
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
}
