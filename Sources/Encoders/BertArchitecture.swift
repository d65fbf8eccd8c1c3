import Tokenizers

/// `model_type` `bert`: sentence-transformers embedders (all-MiniLM, bge, e5, gte) and
/// ColBERT-style late-interaction models on a BERT backbone (PyLate, Stanford ColBERT), which
/// share the model type and differ by their folder (``ColBERTLayout``).
public enum BertArchitecture: ModelArchitecture {
    public static let modelTypes = ["bert"]

    public static func load(_ folder: ModelFolder) throws(ModelLoadError) -> ModelEncoders {
        let config = try folder.config(BertConfig.self)
        if let layout = try ColBERTLayout.detect(folder) {
            return .lateInteractionText(try loadColBERT(folder, config: config, layout: layout))
        }
        return .textEmbedder(try loadEmbedder(folder, config: config))
    }

    /// BERT under its sentence-transformers pipeline (pooling, normalisation, prompts).
    static func loadEmbedder(_ folder: ModelFolder, config: BertConfig) throws(ModelLoadError) -> TextEmbedder {
        let model = try folder.withWeights(ignoring: BertModel.isIgnorable) { weights throws(ModelLoadError) in
            try BertModel(config: config, loader: modelRoot(weights), configPath: folder.configURL.path)
        }
        let pipeline = try SentenceTransformerPipeline.load(directory: folder.directory)
        let tokenizer = try folder.tokenizer(WordPieceTokenizer.load(modelDirectory:))
        try folder.checkVocabulary(tokenizer, fits: config.vocabSize, key: "vocab_size")
        return TextEmbedder(
            tokenizer: tokenizer, tower: BertTextTower(model: model, pooling: pipeline.pooling ?? .mean), pipeline: pipeline)
    }

    /// BERT under a ColBERT head, with the folder's markers, query length and skip list.
    static func loadColBERT(_ folder: ModelFolder, config: BertConfig, layout: ColBERTLayout) throws(ModelLoadError) -> ColBERTTextEncoder {
        let (model, head) = try folder.withWeights(ignoring: BertModel.isIgnorable) { weights throws(ModelLoadError) in
            let model = try BertModel(config: config, loader: modelRoot(weights), configPath: folder.configURL.path)
            return (model, try layout.head(folder, weights: weights, hiddenSize: config.hiddenSize))
        }
        let tokenizer = try folder.tokenizer(WordPieceTokenizer.load(modelDirectory:))
        try folder.checkVocabulary(tokenizer, fits: config.vocabSize, key: "vocab_size")
        guard let mask = tokenizer.maskTokenID else {
            throw .invalidConfig(path: folder.directory.path, reason: "the tokenizer has no [MASK] token to expand queries with")
        }
        return try ColBERTTextEncoder(
            conventions: try layout.conventions(folder), tokenizer: tokenizer, maskTokenID: mask, backbone: model, head: head,
            path: folder.directory.path)
    }

    /// The scope of the `BertModel` weights: checkpoints saved from `BertModel` have bare names;
    /// from `BertFor*` (and Stanford's `HF_ColBERT`) they sit under `bert.`.
    static func modelRoot(_ weights: WeightLoader) -> WeightLoader {
        !weights.contains("embeddings.word_embeddings.weight") && weights.contains("bert.embeddings.word_embeddings.weight")
            ? weights.scoped("bert") : weights
    }
}
