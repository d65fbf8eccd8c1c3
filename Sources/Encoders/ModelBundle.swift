import EmbeddingKernels
import Foundation

/// A model folder in Hugging Face layout, loaded: the encoders it provides and what a client
/// needs to know about it (dimensions, prompts, limits).
///
/// `config.json`'s `model_type` picks the architecture from ``ArchitectureRegistry``; the
/// tokenizer files and the sentence-transformers pipeline files beside it configure the rest,
/// so a checkpoint downloaded from a hub works without conversion.
public struct ModelBundle: Sendable {
    /// The folder it was loaded from.
    public let directory: URL
    /// A short name: the folder's last component.
    public let name: String
    /// `config.json`'s `model_type`.
    public let modelType: String
    /// What the model provides.
    public let encoders: ModelEncoders
    /// The arithmetic of its Linear layers (``ModelFolder/computePrecision``).
    public let computePrecision: ComputePrecision

    /// The text embedder, if the model has one (``ModelEncoders/text``).
    public var text: TextEmbedder? { encoders.text }
    /// The image encoder, if the model has one (``ModelEncoders/imageEncoder``: CLIP, SigLIP2).
    public var imageEncoder: (any SharedSpaceImageEncoder)? { encoders.imageEncoder }
    /// CLIP's image embedder, for tools that need its tower directly (``ModelEncoders/image``).
    public var image: ImageEmbedder? { encoders.image }
    /// The late-interaction text encoder of a ColBERT-style folder (PyLate Dense head or Stanford
    /// HF_ColBERT); such a folder has no pooled `text` encoder.
    public var lateInteraction: ColBERTTextEncoder? { encoders.lateInteraction }
    /// The visual-document late-interaction encoder (ColModernVBERT), if the model is one.
    public var lateInteractionVisual: ColModernVBertEncoder? { encoders.lateInteractionVisual }

    public init(directory: URL, modelType: String, encoders: ModelEncoders, computePrecision: ComputePrecision = .float32) {
        self.directory = directory
        name = directory.standardizedFileURL.lastPathComponent
        self.modelType = modelType
        self.encoders = encoders
        self.computePrecision = computePrecision
    }

    /// Loads the model in `directory` with the architecture its `model_type` names, its Linear
    /// layers at `computePrecision` (nil: the folder's `multiembed.json` says, else float32).
    public static func load(directory: URL, computePrecision: ComputePrecision? = nil) throws(ModelLoadError) -> ModelBundle {
        let folder = try ModelFolder(directory: directory, computePrecision: computePrecision)
        return ModelBundle(
            directory: directory, modelType: folder.modelType, encoders: try ArchitectureRegistry.load(folder),
            computePrecision: folder.computePrecision)
    }
}
