import Tokenizers

/// `model_type` `modernbert`: sentence-transformers embedders on ModernBERT (gte-modernbert,
/// modernbert-embed, nomic) and PyLate's late-interaction models on it (GTE-ModernColBERT),
/// told apart by their folder (``ColBERTLayout``), as for BERT.
public enum ModernBertArchitecture: ModelArchitecture {
    public static let modelTypes = ["modernbert"]

    public static func load(_ folder: ModelFolder) throws(ModelLoadError) -> ModelEncoders {
        let config = try ModernBertConfig.load(url: folder.configURL)
        if let layout = try ColBERTLayout.detect(folder) {
            return .lateInteractionText(try loadColBERT(folder, config: config, layout: layout))
        }
        return .textEmbedder(try loadEmbedder(folder, config: config))
    }

    /// ModernBERT under its sentence-transformers pipeline (pooling, normalisation, prompts).
    static func loadEmbedder(_ folder: ModelFolder, config: ModernBertConfig) throws(ModelLoadError) -> TextEmbedder {
        let model = try folder.withWeights(ignoring: ModernBertModel.isIgnorable) { weights throws(ModelLoadError) in
            try ModernBertModel(config: config, loader: modelRoot(weights), configPath: folder.configURL.path)
        }
        let pipeline = try SentenceTransformerPipeline.load(directory: folder.directory)
        let tokenizer = try folder.tokenizer(BPETokenizer.load(modelDirectory:))
        try folder.checkVocabulary(tokenizer, fits: config.vocabSize, key: "vocab_size")
        return TextEmbedder(
            tokenizer: tokenizer, tower: ModernBertTextTower(model: model, pooling: pipeline.pooling ?? .mean), pipeline: pipeline)
    }

    /// ModernBERT under PyLate's Dense head, with the folder's prefixes, query length, [MASK]
    /// expansion and skip list.
    static func loadColBERT(_ folder: ModelFolder, config: ModernBertConfig, layout: ColBERTLayout) throws(ModelLoadError) -> ColBERTTextEncoder {
        let (model, head) = try folder.withWeights(ignoring: ModernBertModel.isIgnorable) { weights throws(ModelLoadError) in
            let model = try ModernBertModel(config: config, loader: modelRoot(weights), configPath: folder.configURL.path)
            return (model, try layout.head(folder, weights: weights, hiddenSize: config.hiddenSize))
        }
        let tokenizer = try folder.tokenizer(BPETokenizer.load(modelDirectory:))
        try folder.checkVocabulary(tokenizer, fits: config.vocabSize, key: "vocab_size")
        guard let mask = tokenizer.maskTokenID else {
            throw .invalidConfig(path: folder.directory.path, reason: "the tokenizer has no mask token to expand queries with")
        }
        return try ColBERTTextEncoder(
            conventions: try layout.conventions(folder), tokenizer: tokenizer, maskTokenID: mask, backbone: model, head: head,
            path: folder.directory.path)
    }

    /// The scope of the `ModernBertModel` weights: bare names when saved from `ModernBertModel`,
    /// under `model.` when saved from `ModernBertForMaskedLM`.
    static func modelRoot(_ weights: WeightLoader) -> WeightLoader {
        !weights.contains("embeddings.tok_embeddings.weight") && weights.contains("model.embeddings.tok_embeddings.weight")
            ? weights.scoped("model") : weights
    }
}

extension ModernBertModel: TokenEncoderBackbone {
    public var hiddenSize: Int { config.hiddenSize }
}
