import Foundation
import ImageIO
import Tokenizers

/// `model_type` `modernvbert`: colpali-engine's ColModernVBert, late interaction over page
/// images and text queries (``ColModernVBertEncoder``), with its Idefics3 image processor.
///
/// The checkpoint's module prefixes vary (colpali-engine saves the text model and projection
/// under `base_model.model.`, the vision tower and connector under `model.`), so each part is
/// found by a tensor only it has; the vision tower's attention-pooling `head` is never run.
public enum ModernVBertArchitecture: ModelArchitecture {
    public static let modelTypes = ["modernvbert"]

    /// Most tiles (global image included) one image may become unless configured otherwise:
    /// the 4 x 4 grid plus the global image of ModernVBERT's 2048-pixel, 512-tile processor.
    public static let defaultMaxTiles = ImageLimits.defaultMaxTiles

    public static func load(_ folder: ModelFolder) throws(ModelLoadError) -> ModelEncoders {
        .lateInteractionVisual(try loadEncoder(folder))
    }

    /// The encoder of `folder`, whose images may become at most `maxTiles` tiles.
    public static func loadEncoder(_ folder: ModelFolder, maxTiles: Int = defaultMaxTiles) throws(ModelLoadError) -> ColModernVBertEncoder {
        let config = try folder.config(ModernVBertConfig.self)
        let path = folder.configURL.path
        let (model, projection) = try folder.withWeights(ignoring: isIgnorable) { weights throws(ModelLoadError) in
            func part(_ tensor: String) throws(ModelLoadError) -> WeightLoader {
                guard let scope = weights.scope(holding: tensor) else { throw .missingTensor(name: tensor, path: weights.path) }
                return scope
            }
            let text = try part("text_model.embeddings.tok_embeddings.weight").scoped("text_model")
            let vision = try part("vision_model.embeddings.patch_embedding.weight").scoped("vision_model")
            let connector = try part("connector.modality_projection.weight").scoped("connector")
            let head = try part("custom_text_proj.weight")
            let model = try ModernVBertModel(config: config, vision: vision, connector: connector, text: text, configPath: path)
            guard let out = head.shape(of: "custom_text_proj.weight")?.first else {
                throw .missingTensor(name: "custom_text_proj.weight", path: weights.path)
            }
            let projection = try head.linear("custom_text_proj", inFeatures: config.textConfig.hiddenSize, outFeatures: out)
            return (model, projection)
        }
        let tokenizer = try folder.tokenizer(BPETokenizer.load(modelDirectory:))
        try folder.checkVocabulary(tokenizer, fits: config.textConfig.vocabSize, key: "text_config.vocab_size")
        let (processorConfig, imageSequenceLength) = try processorConfig(folder)
        guard imageSequenceLength == model.imageSequenceLength else {
            throw .invalidConfig(
                path: folder.url("processor_config.json").path,
                reason: "image_seq_len \(imageSequenceLength) differs from the model's \(model.imageSequenceLength) tokens per tile")
        }
        let processor = try Idefics3ImageProcessor(config: processorConfig, maxTiles: maxTiles)
        return try ColModernVBertEncoder(
            model: model, customTextProj: projection, processor: processor, tokenizer: tokenizer, path: folder.directory.path)
    }

    /// The vision tower's pooling head (`vision_use_head`): ModernVBERT reads `last_hidden_state`.
    static func isIgnorable(_ name: String) -> Bool { name.contains("vision_model.head.") }

    /// The image processor settings and `image_seq_len`: `processor_config.json`, whose
    /// `image_processor` section may instead be a separate `preprocessor_config.json`.
    static func processorConfig(_ folder: ModelFolder) throws(ModelLoadError) -> (Idefics3ImageProcessorConfig, Int) {
        let url = folder.url("processor_config.json")
        let processor = try JSONFile.decode(Idefics3ProcessorConfig.self, at: url)
        if let imageProcessor = processor.imageProcessor { return (imageProcessor, processor.imageSeqLen) }
        let separate = try JSONFile.decode(Idefics3ImageProcessorConfig.self, at: folder.url("preprocessor_config.json"))
        return (separate, processor.imageSeqLen)
    }
}
