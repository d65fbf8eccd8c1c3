import Foundation
import Tokenizers

/// The two ways a folder packages a transformer text encoder, whatever the encoder: a
/// sentence-transformers embedder (pooling, normalisation, prompts) or a ColBERT-style
/// late-interaction model (a Dense head, markers, query expansion, skip list; ``ColBERTLayout``
/// tells them apart). BERT and ModernBERT differ only in their backbone and tokenizer.
enum TextEncoderFolder {
    /// Loads `folder` with `backbone` built from its weights (strictly: every tensor but those
    /// `ignoring` accepts must be read) and its tokenizer loaded by `tokenizer`, which must fit
    /// `vocabSize` embedding rows.
    static func load<Backbone: TokenEncoderBackbone, Tokenizer: TextTokenizer>(
        _ folder: ModelFolder, vocabSize: Int, ignoring: (String) -> Bool,
        backbone: (WeightLoader) throws(ModelLoadError) -> Backbone,
        tokenizer loadTokenizer: (URL) throws(TokenizerError) -> Tokenizer
    ) throws(ModelLoadError) -> ModelEncoders {
        let layout = try ColBERTLayout.detect(folder)
        let (model, head) = try folder.withWeights(ignoring: ignoring) { weights throws(ModelLoadError) in
            let model = try backbone(weights)
            return (model, try layout?.head(folder, weights: weights, hiddenSize: model.hiddenSize))
        }
        let tokenizer = try folder.tokenizer(loadTokenizer)
        try folder.checkVocabulary(tokenizer, fits: vocabSize, key: "vocab_size")
        guard let layout, let head else {
            let pipeline = try SentenceTransformerPipeline.load(directory: folder.directory)
            return .textEmbedder(TextEmbedder(
                tokenizer: tokenizer, tower: PooledEncoderTower(model: model, pooling: pipeline.pooling ?? .mean), pipeline: pipeline))
        }
        guard let mask = tokenizer.maskTokenID else {
            throw .invalidConfig(path: folder.directory.path, reason: "the tokenizer has no mask token to expand queries with")
        }
        return .lateInteractionText(try ColBERTTextEncoder(
            conventions: try layout.conventions(folder), tokenizer: tokenizer, maskTokenID: mask, backbone: model, head: head,
            path: folder.directory.path))
    }
}
