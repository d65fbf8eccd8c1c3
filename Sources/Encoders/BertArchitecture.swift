import Tokenizers

/// `model_type` `bert`: sentence-transformers embedders (all-MiniLM, bge, e5, gte) and
/// ColBERT-style late-interaction models on a BERT backbone (PyLate, Stanford ColBERT), which
/// share the model type and differ by their folder (``ColBERTLayout``).
public enum BertArchitecture: ModelArchitecture {
    public static let modelTypes = ["bert"]

    public static func load(_ folder: ModelFolder) throws(ModelLoadError) -> ModelEncoders {
        let config = try folder.config(BertConfig.self)
        return try TextEncoderFolder.load(
            folder, vocabSize: config.vocabSize, ignoring: BertModel.isIgnorable,
            backbone: { weights throws(ModelLoadError) in
                try BertModel(config: config, loader: modelRoot(weights), configPath: folder.configURL.path)
            },
            tokenizer: WordPieceTokenizer.load(modelDirectory:))
    }

    /// The scope of the `BertModel` weights: checkpoints saved from `BertModel` have bare names;
    /// from `BertFor*` (and Stanford's `HF_ColBERT`) they sit under `bert.`.
    static func modelRoot(_ weights: WeightLoader) -> WeightLoader {
        !weights.contains("embeddings.word_embeddings.weight") && weights.contains("bert.embeddings.word_embeddings.weight")
            ? weights.scoped("bert") : weights
    }
}
