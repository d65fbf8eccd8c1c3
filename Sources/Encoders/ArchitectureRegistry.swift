/// Every architecture MultiEmbed loads, looked up by `config.json`'s `model_type`.
///
/// Adding an architecture:
/// 1. Write its modules in files named after the checkpoint's (`FooModel.swift`, tensor names
///    as transformers' `modeling_foo.py`), with its config as a `Decodable` struct whose
///    properties mirror `config.json` in camelCase (decoded from snake_case) and default to
///    transformers' `FooConfig` defaults, each documented.
/// 2. Write `FooArchitecture.swift`: an enum conforming to ``ModelArchitecture`` that names its
///    `modelTypes`, decodes its config with ``ModelFolder/config(_:)``, builds the model inside
///    ``ModelFolder/withWeights(_:ignoring:_:)`` (ignoring only buffers and heads it never
///    runs), loads its tokenizer with ``ModelFolder/tokenizer(_:)`` and checks it with
///    ``ModelFolder/checkVocabulary(_:fits:key:)``, and returns ``ModelEncoders``: a
///    ``TextEmbedder`` over a ``TextTower``, a ``SharedSpaceImageEncoder`` (CLIP's
///    ``ImageEmbedder``, SigLIP2's ``Siglip2ImageEmbedder``), or a
///    ``ColBERTTextEncoder`` over a ``TokenEncoderBackbone``.
/// 3. Add it to ``architectures`` below.
/// 4. Test it against the reference goldens in `../shared/fixtures`, and its strictness (a
///    missing, unknown and misshapen tensor) like `ArchitectureRegistryTests`.
public enum ArchitectureRegistry {
    /// The registered architectures.
    public static var architectures: [any ModelArchitecture.Type] {
        [BertArchitecture.self, ClipArchitecture.self, ModernBertArchitecture.self, ModernVBertArchitecture.self, Siglip2Architecture.self]
    }

    /// Every `model_type` some architecture loads, sorted.
    public static var modelTypes: [String] { architectures.flatMap { $0.modelTypes }.sorted() }

    /// The architecture that loads `modelType`, if any.
    public static func architecture(for modelType: String) -> (any ModelArchitecture.Type)? {
        architectures.first { $0.modelTypes.contains(modelType) }
    }

    /// Loads `folder` with the architecture of its `model_type`; an unknown type is an error
    /// naming it and the supported ones.
    public static func load(_ folder: ModelFolder) throws(ModelLoadError) -> ModelEncoders {
        guard let architecture = architecture(for: folder.modelType) else {
            throw .unsupportedArchitecture(modelType: folder.modelType, path: folder.configURL.path, supported: modelTypes)
        }
        return try architecture.load(folder)
    }
}
