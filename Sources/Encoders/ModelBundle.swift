import Foundation
import ImageIO
import Tokenizers

/// A model folder in Hugging Face layout, loaded: the encoders it provides and what a client
/// needs to know about it (dimensions, prompts, limits).
///
/// `config.json`'s `model_type` picks the architecture; the tokenizer files and the
/// sentence-transformers pipeline files beside it configure the rest, so a checkpoint
/// downloaded from a hub works without conversion.
public struct ModelBundle: Sendable {
    /// The folder it was loaded from.
    public let directory: URL
    /// A short name: the folder's last component.
    public let name: String
    /// `config.json`'s `model_type`.
    public let modelType: String
    /// The text encoder, if the model has one.
    public let text: TextEmbedder?
    /// The image encoder, if the model has one.
    public let image: ImageEmbedder?
    /// ColBERT hook: the late-interaction text encoder of a ColBERT-style folder (PyLate Dense
    /// head or Stanford HF_ColBERT); such a folder has no pooled `text` encoder.
    public var lateInteraction: ColBERTTextEncoder? = nil

    /// Loads the model in `directory`.
    public static func load(directory: URL) throws(ModelLoadError) -> ModelBundle {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingFile(path: directory.path)
        }
        let configURL = directory.appendingPathComponent("config.json")
        let config = try JSONFile.object(at: configURL)
        let modelType = config["model_type"] as? String ?? ""
        switch modelType {
        case "bert":
            if let colbert = try ColBERTTextEncoder.loadIfLateInteraction(directory: directory) {
                return ModelBundle(
                    directory: directory, name: directory.standardizedFileURL.lastPathComponent, modelType: modelType,
                    text: nil, image: nil, lateInteraction: colbert)
            }
            return ModelBundle(
                directory: directory, name: directory.standardizedFileURL.lastPathComponent, modelType: modelType,
                text: try loadBert(directory: directory, configURL: configURL), image: nil)
        case "clip":
            let (text, image) = try loadClip(directory: directory, configURL: configURL)
            return ModelBundle(
                directory: directory, name: directory.standardizedFileURL.lastPathComponent, modelType: modelType,
                text: text, image: image)
        default:
            throw .unsupportedArchitecture(modelType: modelType, path: configURL.path)
        }
    }

    private static func loadBert(directory: URL, configURL: URL) throws(ModelLoadError) -> TextEmbedder {
        let config = try JSONFile.decode(BertConfig.self, at: configURL)
        let file = try SafetensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        // Checkpoints saved from BertModel have bare names; from BertFor* they sit under `bert.`.
        let root = file.entries["embeddings.word_embeddings.weight"] == nil && file.entries["bert.embeddings.word_embeddings.weight"] != nil ? "bert" : ""
        let loader = WeightLoader(file: file, prefix: root)
        let model = try BertModel(config: config, loader: loader, configPath: configURL.path)
        try loader.checkAllUsed(ignoring: BertModel.isIgnorable)
        let pipeline = try SentenceTransformerPipeline.load(directory: directory)
        let tokenizer: WordPieceTokenizer
        do {
            tokenizer = try WordPieceTokenizer.load(modelDirectory: directory)
        } catch {
            throw .unreadableFile(path: directory.path, reason: error.description)
        }
        // Embedding rows are read unchecked in the hot loop: the vocabulary must fit the table.
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw .invalidConfig(
                path: configURL.path,
                reason: "the tokenizer has \(tokenizer.vocabularySize) tokens but vocab_size is \(config.vocabSize)")
        }
        return TextEmbedder(
            tokenizer: tokenizer, tower: BertTextTower(model: model, pooling: pipeline.pooling ?? .mean), pipeline: pipeline)
    }

    private static func loadClip(directory: URL, configURL: URL) throws(ModelLoadError) -> (TextEmbedder, ImageEmbedder) {
        let config = try JSONFile.decode(ClipConfig.self, at: configURL)
        let file = try SafetensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        let loader = WeightLoader(file: file)
        let textModel = try ClipTextModel(config: config, loader: loader, configPath: configURL.path)
        let visionModel = try ClipVisionModel(config: config, loader: loader, configPath: configURL.path)
        // logit_scale only matters for training-time logits; position_ids are buffers.
        try loader.checkAllUsed { $0 == "logit_scale" || $0.hasSuffix("position_ids") }
        let pipeline = try SentenceTransformerPipeline.load(directory: directory, normalize: true)
        let tokenizer: ClipBPETokenizer
        do {
            tokenizer = try ClipBPETokenizer.load(modelDirectory: directory)
        } catch {
            throw .unreadableFile(path: directory.path, reason: error.description)
        }
        guard tokenizer.vocabularySize <= config.textConfig.vocabSize else {
            throw .invalidConfig(
                path: configURL.path,
                reason: "the tokenizer has \(tokenizer.vocabularySize) tokens but text_config.vocab_size is \(config.textConfig.vocabSize)")
        }
        let preprocessor: ImagePreprocessor
        do {
            preprocessor = try ImagePreprocessor.load(modelDirectory: directory)
        } catch {
            throw .unreadableFile(path: directory.appendingPathComponent("preprocessor_config.json").path, reason: error.description)
        }
        return (
            TextEmbedder(tokenizer: tokenizer, tower: textModel, pipeline: pipeline),
            ImageEmbedder(preprocessor: preprocessor, vision: visionModel, normalizeByDefault: pipeline.normalize)
        )
    }
}
