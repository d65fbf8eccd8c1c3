import Tokenizers

/// `model_type` `modernbert`: sentence-transformers embedders on ModernBERT (gte-modernbert,
/// modernbert-embed, nomic) and PyLate's late-interaction models on it (GTE-ModernColBERT),
/// told apart by their folder (``ColBERTLayout``), as for BERT.
public enum ModernBertArchitecture: ModelArchitecture {
    public static let modelTypes = ["modernbert"]

    public static func load(_ folder: ModelFolder) throws(ModelLoadError) -> ModelEncoders {
        let config = try ModernBertConfig.load(url: folder.configURL)
        return try TextEncoderFolder.load(
            folder, vocabSize: config.vocabSize, ignoring: ModernBertModel.isIgnorable,
            backbone: { weights throws(ModelLoadError) in
                try ModernBertModel(config: config, loader: modelRoot(weights), configPath: folder.configURL.path)
            },
            tokenizer: BPETokenizer.load(modelDirectory:))
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
