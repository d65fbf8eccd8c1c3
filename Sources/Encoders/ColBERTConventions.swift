import Foundation

/// How a ColBERT-style (late-interaction) text model wants queries and documents prepared, as
/// PyLate and Stanford ColBERT define it, read from the model folder.
///
/// PyLate writes these keys into `config_sentence_transformers.json` (`query_prefix`,
/// `document_prefix`, `query_length`, `document_length`, `attend_to_expansion_tokens`,
/// `skiplist_words`, `do_query_expansion`); a key that is absent takes PyLate's default. Stanford
/// checkpoints (`architectures: ["HF_ColBERT"]`) keep theirs in `artifact.metadata`
/// (`query_token_id`, `doc_token_id`, `query_maxlen`, `doc_maxlen`, `attend_to_mask_tokens`) and
/// use `[unused0]` / `[unused1]` as markers. An optional `multiembed.json` `"colbert"` object
/// overrides any key with PyLate's names.
public struct ColBERTConventions: Sendable, Equatable {
    /// Marker token inserted after `[CLS]` of every query (`"[Q] "`); empty for none.
    public var queryPrefix: String
    /// Marker token inserted after `[CLS]` of every document (`"[D] "`); empty for none.
    public var documentPrefix: String
    /// Query length in tokens, marker included: longer queries are cut, shorter ones are padded
    /// with `[MASK]` when ``doQueryExpansion`` ("query augmentation").
    public var queryLength: Int
    /// Longest document in tokens, marker included.
    public var documentLength: Int
    /// Whether the query's own tokens attend to the `[MASK]` expansion tokens. False in ColBERT:
    /// expansion tokens attend to the query, the query does not see them.
    public var attendToExpansionTokens: Bool
    /// Tokens whose vectors are dropped from documents after encoding (they still take part in
    /// the encoding): by default every character of Python's `string.punctuation`.
    public var skiplistWords: [String]
    /// Whether queries are padded with `[MASK]` to ``queryLength``.
    public var doQueryExpansion: Bool

    /// `string.punctuation`: PyLate's default skip list.
    public static let punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".map(String.init)

    /// PyLate's defaults.
    public static let pylateDefaults = ColBERTConventions(
        queryPrefix: "[Q] ", documentPrefix: "[D] ", queryLength: 32, documentLength: 180,
        attendToExpansionTokens: false, skiplistWords: punctuation, doQueryExpansion: true)

    /// Reads the conventions of `directory`, starting from `defaults` (PyLate's, or Stanford's
    /// markers for an `HF_ColBERT` checkpoint).
    static func load(directory: URL, defaults: ColBERTConventions) throws(ModelLoadError) -> ColBERTConventions {
        var conventions = defaults
        let stanford = directory.appendingPathComponent("artifact.metadata")
        if FileManager.default.fileExists(atPath: stanford.path) {
            try conventions.apply(JSONFile.object(at: stanford), path: stanford.path, names: .stanford)
        }
        let pylate = directory.appendingPathComponent("config_sentence_transformers.json")
        if FileManager.default.fileExists(atPath: pylate.path) {
            try conventions.apply(JSONFile.object(at: pylate), path: pylate.path, names: .pylate)
        }
        let overrides = directory.appendingPathComponent("multiembed.json")
        if FileManager.default.fileExists(atPath: overrides.path), let object = try JSONFile.object(at: overrides)["colbert"] {
            guard let colbert = object as? [String: Any] else {
                throw .invalidConfig(path: overrides.path, reason: "\"colbert\" must be an object")
            }
            try conventions.apply(colbert, path: overrides.path, names: .pylate)
        }
        guard conventions.queryLength >= 3 + (conventions.queryPrefix.isEmpty ? 0 : 1) else {
            throw .invalidConfig(path: pylate.path, reason: "query_length \(conventions.queryLength) leaves no room for text")
        }
        guard conventions.documentLength >= 3 + (conventions.documentPrefix.isEmpty ? 0 : 1) else {
            throw .invalidConfig(path: pylate.path, reason: "document_length \(conventions.documentLength) leaves no room for text")
        }
        return conventions
    }

    /// The key names of one source.
    struct KeyNames {
        var queryPrefix, documentPrefix, queryLength, documentLength, attend: String
        var skiplist: String?
        var expansion: String?
        static let pylate = KeyNames(
            queryPrefix: "query_prefix", documentPrefix: "document_prefix", queryLength: "query_length",
            documentLength: "document_length", attend: "attend_to_expansion_tokens", skiplist: "skiplist_words",
            expansion: "do_query_expansion")
        static let stanford = KeyNames(
            queryPrefix: "query_token_id", documentPrefix: "doc_token_id", queryLength: "query_maxlen",
            documentLength: "doc_maxlen", attend: "attend_to_mask_tokens", skiplist: nil, expansion: nil)
    }

    /// Overwrites the settings `object` has; a key of the wrong type is an error naming it (a
    /// silently ignored query_length would change every query).
    mutating func apply(_ object: [String: Any], path: String, names: KeyNames) throws(ModelLoadError) {
        func value<T>(_ key: String?, as type: T.Type) throws(ModelLoadError) -> T? {
            guard let key, let raw = object[key], !(raw is NSNull) else { return nil }
            guard let typed = raw as? T else { throw .invalidConfig(path: path, reason: "\(key) has the wrong type") }
            return typed
        }
        if let text = try value(names.queryPrefix, as: String.self) { queryPrefix = text }
        if let text = try value(names.documentPrefix, as: String.self) { documentPrefix = text }
        if let length = try value(names.queryLength, as: Int.self) { queryLength = length }
        if let length = try value(names.documentLength, as: Int.self) { documentLength = length }
        if let flag = try value(names.attend, as: Bool.self) { attendToExpansionTokens = flag }
        if let words = try value(names.skiplist, as: [String].self) { skiplistWords = words }
        if let flag = try value(names.expansion, as: Bool.self) { doQueryExpansion = flag }
        // As PyLate: without expansion there is nothing to attend to.
        if !doQueryExpansion { attendToExpansionTokens = false }
    }
}
