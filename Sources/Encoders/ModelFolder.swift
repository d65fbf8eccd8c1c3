import EmbeddingKernels
import Foundation
import Tokenizers

/// A model folder in Hugging Face layout as an architecture reads it: `config.json` already
/// parsed, and the steps every architecture repeats (typed config, strict weights, tokenizer)
/// with errors that name the file or tensor at fault.
public struct ModelFolder {
    /// The folder.
    public let directory: URL
    /// Its `config.json`.
    public let configURL: URL
    /// `config.json`'s `model_type` ("" when absent).
    public let modelType: String
    /// `config.json` as a JSON object, for keys outside the typed config (`architectures`).
    public let rawConfig: [String: Any]
    /// The precision the Linear layers are packed at (``withWeights(_:ignoring:_:)`` hands it to
    /// the ``WeightLoader``).
    public let computePrecision: ComputePrecision

    /// Reads `config.json` of `directory`, which must be a folder. The compute precision is
    /// `computePrecision` when given (`--compute`), else `multiembed.json`'s `"compute"`, else
    /// float32.
    public init(directory: URL, computePrecision: ComputePrecision? = nil) throws(ModelLoadError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingFile(path: directory.path)
        }
        self.directory = directory
        configURL = directory.appendingPathComponent("config.json")
        rawConfig = try JSONFile.object(at: configURL)
        modelType = rawConfig["model_type"] as? String ?? ""
        let settingsURL = directory.appendingPathComponent("multiembed.json")
        // Not `??`: its autoclosure would rethrow an untyped error.
        var configured = computePrecision
        if configured == nil { configured = try Self.configuredPrecision(settingsURL) }
        self.computePrecision = configured ?? .float32
    }

    /// `multiembed.json`'s `"compute"` (float32, bf16 or int8), nil when the file or key is absent.
    private static func configuredPrecision(_ url: URL) throws(ModelLoadError) -> ComputePrecision? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let value = try JSONFile.object(at: url)["compute"] else { return nil }
        guard let name = value as? String, let precision = ComputePrecision(rawValue: name) else {
            throw .invalidConfig(
                path: url.path,
                reason: "compute '\(value)' is not one of \(ComputePrecision.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return precision
    }

    /// `config.json`'s `architectures` (the transformers class names it was saved from).
    public var architectures: [String] { rawConfig["architectures"] as? [String] ?? [] }

    /// The file `name` inside the folder.
    public func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// `config.json` decoded as `T`, keys converted from snake_case.
    public func config<T: Decodable>(_ type: T.Type) throws(ModelLoadError) -> T {
        try JSONFile.decode(type, at: configURL)
    }

    /// Opens the safetensors file `name`, lets `build` fetch tensors from it, then fails with
    /// ``ModelLoadError/unexpectedTensors(names:path:)`` if it holds any tensor `build` did not
    /// fetch and `ignoring` does not accept. Missing and misshapen tensors fail where fetched.
    /// Strictness lives here so that an architecture cannot forget it: a checkpoint of another
    /// model, or a half-converted one, never loads silently.
    public func withWeights<Model>(
        _ name: String = "model.safetensors", ignoring: (String) -> Bool = { _ in false },
        _ build: (WeightLoader) throws(ModelLoadError) -> Model
    ) throws(ModelLoadError) -> Model {
        let loader = WeightLoader(file: try SafetensorsFile(url: url(name)), computePrecision: computePrecision)
        let model = try build(loader)
        try loader.checkAllUsed(ignoring: ignoring)
        return model
    }

    /// The tokenizer `load` reads from this folder; its errors become `unreadableFile`.
    public func tokenizer<Tokenizer>(_ load: (URL) throws(TokenizerError) -> Tokenizer) throws(ModelLoadError) -> Tokenizer {
        do { return try load(directory) } catch {
            throw .unreadableFile(path: directory.path, reason: error.description)
        }
    }

    /// Fails unless every id `tokenizer` can produce has a row in an embedding table of
    /// `vocabularySize` rows (config key `key`): embedding rows are read unchecked in the hot loop.
    public func checkVocabulary(_ tokenizer: any TextTokenizer, fits vocabularySize: Int, key: String) throws(ModelLoadError) {
        guard tokenizer.vocabularySize <= vocabularySize else {
            throw .invalidConfig(
                path: configURL.path, reason: "the tokenizer has \(tokenizer.vocabularySize) tokens but \(key) is \(vocabularySize)")
        }
    }
}

/// Checks of config values every architecture needs.
enum ConfigCheck {
    /// Fails, naming the key, unless every size is positive, or at least zero for `counts`
    /// (layer counts): a zero or negative size from a hand-edited config.json would otherwise
    /// divide by zero or trap on a range instead of failing with an error.
    static func sizes(_ sizes: KeyValuePairs<String, Int>, counts: KeyValuePairs<String, Int> = [:], path: String) throws(ModelLoadError) {
        for (key, value) in sizes where value <= 0 {
            throw .invalidConfig(path: path, reason: "\(key) must be positive, got \(value)")
        }
        for (key, value) in counts where value < 0 {
            throw .invalidConfig(path: path, reason: "\(key) must not be negative, got \(value)")
        }
    }
}
