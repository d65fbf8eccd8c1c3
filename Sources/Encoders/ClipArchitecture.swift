import ImageIO
import Tokenizers

/// `model_type` `clip`: `CLIPModel`'s text and vision towers with their projections into one
/// shared space, embeddings L2-normalised by default (they are compared by cosine).
public enum ClipArchitecture: ModelArchitecture {
    public static let modelTypes = ["clip"]

    public static func load(_ folder: ModelFolder) throws(ModelLoadError) -> ModelEncoders {
        let config = try folder.config(ClipConfig.self)
        let path = folder.configURL.path
        // logit_scale only matters for training-time logits; position_ids are buffers.
        let (textModel, visionModel) = try folder.withWeights(ignoring: { $0 == "logit_scale" || $0.hasSuffix("position_ids") }) {
            weights throws(ModelLoadError) in
            (try ClipTextModel(config: config, loader: weights, configPath: path),
             try ClipVisionModel(config: config, loader: weights, configPath: path))
        }
        let pipeline = try SentenceTransformerPipeline.load(directory: folder.directory, normalize: true)
        let tokenizer = try folder.tokenizer(ClipBPETokenizer.load(modelDirectory:))
        try folder.checkVocabulary(tokenizer, fits: config.textConfig.vocabSize, key: "text_config.vocab_size")
        let preprocessor: ImagePreprocessor
        do {
            preprocessor = try ImagePreprocessor.load(modelDirectory: folder.directory)
        } catch {
            throw .unreadableFile(path: folder.url("preprocessor_config.json").path, reason: error.description)
        }
        return .sharedTextImage(
            text: TextEmbedder(tokenizer: tokenizer, tower: textModel, pipeline: pipeline),
            image: ImageEmbedder(preprocessor: preprocessor, vision: visionModel, normalizeByDefault: pipeline.normalize))
    }
}
