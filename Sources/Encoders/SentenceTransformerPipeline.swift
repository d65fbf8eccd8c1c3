import Foundation

/// What the sentence-transformers files of a model folder say about embedding text:
/// `modules.json` (which modules run), `1_Pooling/config.json`, `sentence_bert_config.json`
/// (`max_seq_length`, else `tokenizer_config.json`'s `model_max_length`),
/// `config_sentence_transformers.json` (`prompts`, `default_prompt_name`), overridden by an
/// optional `multiembed.json`.
public struct SentenceTransformerPipeline: Sendable, Equatable {
    /// Pooling mode; nil when the folder has no sentence-transformers pipeline (architecture default).
    public var pooling: Pooling?
    /// Whether a Normalize module ends the pipeline.
    public var normalize: Bool
    /// Longest token sequence (special tokens included) the pipeline feeds the model.
    public var maxSequenceLength: Int?
    /// Named prompts prepended to texts, e.g. `["query": "query: "]`.
    public var prompts: [String: String]
    /// Prompt applied when a request names none.
    public var defaultPromptName: String?
    /// Matryoshka dimensions the model was trained for; empty means any from 1 to the full size.
    public var allowedDimensions: [Int]

    /// Module types we run; anything else in modules.json (Dense, CNN, ...) would silently change
    /// the embedding if skipped, so it is an error instead.
    /// sentence-transformers 6 writes each module's defining file (`base.modules.transformer`, ...)
    /// where older versions wrote the `models` package.
    static let knownModules: Set<String> = [
        "sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
        "sentence_transformers.models.Normalize",
        "sentence_transformers.base.modules.transformer.Transformer",
        "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
        "sentence_transformers.base.modules.normalize.Normalize",
    ]

    /// Reads the pipeline files of `directory`; every file is optional. `normalize` is the
    /// architecture's default when no modules.json says (false for BERT as sentence-transformers
    /// builds it, true for CLIP, whose embeddings are compared by cosine).
    public static func load(directory: URL, normalize: Bool = false) throws(ModelLoadError) -> SentenceTransformerPipeline {
        var pipeline = SentenceTransformerPipeline(
            pooling: nil, normalize: normalize, maxSequenceLength: nil, prompts: [:], defaultPromptName: nil,
            allowedDimensions: [])
        let modulesURL = directory.appendingPathComponent("modules.json")
        if FileManager.default.fileExists(atPath: modulesURL.path) {
            let data = try JSONFile.data(at: modulesURL)
            guard let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
                throw .unreadableFile(path: modulesURL.path, reason: "not a JSON array of modules")
            }
            pipeline.normalize = false
            for module in modules {
                let type = module["type"] as? String ?? ""
                guard knownModules.contains(type) else {
                    throw .invalidConfig(path: modulesURL.path, reason: "module type '\(type)' is not supported")
                }
                if type.hasSuffix(".Pooling") {
                    let path = module["path"] as? String ?? "1_Pooling"
                    pipeline.pooling = try Pooling.load(url: directory.appendingPathComponent(path).appendingPathComponent("config.json"))
                }
                if type.hasSuffix(".Normalize") { pipeline.normalize = true }
            }
        }
        let bertConfigURL = directory.appendingPathComponent("sentence_bert_config.json")
        if FileManager.default.fileExists(atPath: bertConfigURL.path) {
            pipeline.maxSequenceLength = try JSONFile.object(at: bertConfigURL)["max_seq_length"] as? Int
        }
        // Without one there (sentence-transformers 6 stops writing it), the limit is the
        // tokenizer's `model_max_length`, as sentence-transformers reads it; transformers' "no
        // limit" sentinel (about 1e30) is not a limit.
        let tokenizerConfigURL = directory.appendingPathComponent("tokenizer_config.json")
        if pipeline.maxSequenceLength == nil, FileManager.default.fileExists(atPath: tokenizerConfigURL.path),
           let length = try JSONFile.object(at: tokenizerConfigURL)["model_max_length"] as? Int, length > 0, length < 1 << 24 {
            pipeline.maxSequenceLength = length
        }
        let stConfigURL = directory.appendingPathComponent("config_sentence_transformers.json")
        if FileManager.default.fileExists(atPath: stConfigURL.path) {
            let object = try JSONFile.object(at: stConfigURL)
            pipeline.prompts = object["prompts"] as? [String: String] ?? [:]
            pipeline.defaultPromptName = object["default_prompt_name"] as? String
        }
        try pipeline.applyOverrides(directory.appendingPathComponent("multiembed.json"))
        if let name = pipeline.defaultPromptName, pipeline.prompts[name] == nil {
            throw .invalidConfig(path: stConfigURL.path, reason: "default_prompt_name '\(name)' is not among the prompts")
        }
        return pipeline
    }

    /// `multiembed.json` may set `prompts` (merged over the model's), `default_prompt_name`,
    /// `pooling`, `normalize`, `max_seq_length` and `dimensions` (allowed Matryoshka sizes).
    private mutating func applyOverrides(_ url: URL) throws(ModelLoadError) {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let object = try JSONFile.object(at: url)
        if let extra = object["prompts"] as? [String: String] { prompts.merge(extra) { $1 } }
        if let name = object["default_prompt_name"] as? String { defaultPromptName = name }
        if let name = object["pooling"] as? String {
            guard let mode = Pooling(rawValue: name) else {
                throw .invalidConfig(path: url.path, reason: "pooling '\(name)' is not one of \(Pooling.allCases.map(\.rawValue))")
            }
            pooling = mode
        }
        if let flag = object["normalize"] as? Bool { normalize = flag }
        if let length = object["max_seq_length"] as? Int { maxSequenceLength = length }
        if let dimensions = object["dimensions"] as? [Int] {
            guard dimensions.allSatisfy({ $0 > 0 }) else {
                throw .invalidConfig(path: url.path, reason: "dimensions must be positive")
            }
            allowedDimensions = dimensions.sorted()
        }
    }
}
