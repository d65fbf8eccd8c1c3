/// One architecture MultiEmbed can load: the `model_type` values of `config.json` it answers
/// to, and how it turns such a folder into encoders.
///
/// An architecture is one file (`BertArchitecture.swift`, `ClipArchitecture.swift`) that reads
/// its config (a `Decodable` struct, snake_case keys, documented defaults), loads its weights
/// strictly through ``ModelFolder/withWeights(_:ignoring:_:)`` (a missing, unknown or
/// misshapen tensor is an error naming it), loads its tokenizer and preprocessor, and says
/// what the model provides as ``ModelEncoders``. ``ArchitectureRegistry`` lists them.
public protocol ModelArchitecture {
    /// `config.json` `model_type` values this architecture loads (`["bert"]`); no two
    /// registered architectures may share one.
    static var modelTypes: [String] { get }

    /// Loads the model in `folder`, whose `model_type` is one of ``modelTypes``.
    static func load(_ folder: ModelFolder) throws(ModelLoadError) -> ModelEncoders
}
