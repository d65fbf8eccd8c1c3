import Foundation
import Tokenizers

/// `model_type` `siglip2`: `Siglip2Model`'s text tower and NaFlex vision tower, embedding texts
/// and images into one space scored with a sigmoid (``SharedSpaceScoring/sigmoid(logitScale:logitBias:)``),
/// with `Siglip2Processor`'s image processor and tokenizer. Embeddings are L2-normalised by
/// default, as the model compares them.
public enum Siglip2Architecture: ModelArchitecture {
    public static let modelTypes = ["siglip2"]

    public static func load(_ folder: ModelFolder) throws(ModelLoadError) -> ModelEncoders {
        let config = try folder.config(Siglip2Config.self)
        let path = folder.configURL.path
        guard config.visionConfig.hiddenSize == config.textConfig.outputSize else {
            throw .invalidConfig(
                path: path,
                reason: "vision_config.hidden_size \(config.visionConfig.hiddenSize) differs from the text embedding size \(config.textConfig.outputSize)")
        }
        let (text, vision, logitScale, logitBias) = try folder.withWeights(ignoring: { $0.hasSuffix("position_ids") }) {
            weights throws(ModelLoadError) in
            (try Siglip2TextModel(config: config.textConfig, loader: weights.scoped("text_model"), configPath: path),
             try SiglipVisionModel(config: config.visionConfig, loader: weights.scoped("vision_model"), configPath: path, withHead: true),
             try weights.tensor("logit_scale", shape: [1]).storage[0],
             try weights.tensor("logit_bias", shape: [1]).storage[0])
        }
        let tokenizer = try folder.tokenizer(BPETokenizer.load(modelDirectory:))
        try folder.checkVocabulary(tokenizer, fits: config.textConfig.vocabSize, key: "text_config.vocab_size")
        let (processorSettings, processorPath) = try processorConfig(folder)
        let processor = try Siglip2ImageProcessor(config: processorSettings, path: processorPath)
        guard processor.config.patchSize == config.visionConfig.patchSize else {
            throw .invalidConfig(
                path: processorPath,
                reason: "patch_size \(processor.config.patchSize) differs from vision_config.patch_size \(config.visionConfig.patchSize)")
        }
        let pipeline = try SentenceTransformerPipeline.load(directory: folder.directory, normalize: true)
        return .sharedTextImage(
            text: TextEmbedder(tokenizer: tokenizer, tower: text, pipeline: pipeline),
            image: Siglip2ImageEmbedder(
                processor: processor, vision: vision, scoring: .sigmoid(logitScale: logitScale, logitBias: logitBias),
                normalizeByDefault: pipeline.normalize))
    }

    /// The image processor settings: `processor_config.json`'s `image_processor` section, or a
    /// standalone `preprocessor_config.json`; neither present means transformers' defaults.
    /// Returns the settings and the file they came from.
    static func processorConfig(_ folder: ModelFolder) throws(ModelLoadError) -> (Siglip2ImageProcessorConfig, String) {
        struct Processor: Decodable { var imageProcessor: Siglip2ImageProcessorConfig? }
        let combined = folder.url("processor_config.json")
        if FileManager.default.fileExists(atPath: combined.path),
            let section = try JSONFile.decode(Processor.self, at: combined).imageProcessor {
            return (section, combined.path)
        }
        let separate = folder.url("preprocessor_config.json")
        guard FileManager.default.fileExists(atPath: separate.path) else { return (Siglip2ImageProcessorConfig(), separate.path) }
        return (try JSONFile.decode(Siglip2ImageProcessorConfig.self, at: separate), separate.path)
    }
}
