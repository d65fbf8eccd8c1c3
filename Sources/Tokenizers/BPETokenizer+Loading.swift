import Foundation

extension BPETokenizer {
    /// Loads the tokenizer of a model folder from its `tokenizer.json` (required: the pipeline is
    /// read from it) and `tokenizer_config.json` (optional: `pad_token`, `mask_token`).
    public static func load(modelDirectory: URL) throws(TokenizerError) -> BPETokenizer {
        let config = try TokenizerConfig(directory: modelDirectory)
        return try load(tokenizerJSON: JSONFile(modelDirectory.appendingPathComponent("tokenizer.json")), config: config)
    }

    /// Whether tokenizer.json describes this pipeline rather than CLIP's: a BPE model without
    /// CLIP's `</w>` word ending. (Whatever else it declares is checked, and refused when
    /// unsupported, by `load`.)
    static func describes(_ file: JSONFile) -> Bool {
        guard let model = file.root["model"], model["type"]?.stringValue == "BPE" else { return false }
        return (model["end_of_word_suffix"]?.stringValue ?? "").isEmpty
    }

    static func load(tokenizerJSON file: JSONFile, config: TokenizerConfig) throws(TokenizerError) -> BPETokenizer {
        guard let model = file.root["model"], model["type"]?.stringValue == "BPE" else {
            throw file.malformed("model is missing or not of type BPE")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key]?.stringValue, !value.isEmpty {
                throw file.malformed("model.\(key) \(String(reflecting: value)) is not supported by this BPE pipeline")
            }
        }
        if let dropout = model["dropout"], !dropout.isNull { throw file.malformed("BPE dropout is not supported") }
        if model["ignore_merges"]?.boolValue == true { throw file.malformed("BPE ignore_merges is not supported") }

        let splitter = try TokenizerJSONPreTokenizer(json: file.root["pre_tokenizer"], file: file)
        let byteFallback = model["byte_fallback"]?.boolValue ?? false
        if splitter.isByteLevel, byteFallback {
            throw file.malformed("BPE byte_fallback with the ByteLevel pre-tokenizer is not supported")
        }
        let normalizer = try TokenizerJSONNormalizer(json: file.root["normalizer"], file: file)
        let vocabulary = ByteStringTable(try file.vocabulary(model["vocab"], field: "model.vocab"))
        let merges = try BPEMergeList.table(BPEMergeList.pairs(of: model, in: file), vocabulary: vocabulary, path: file.url.path)
        let addedTokens = try file.addedTokens()
        let added = ByteStringTable(addedTokens.map { (key: $0.content, value: $0.id) })
        func lookup(_ token: String) -> Int32? { added.value(for: token) ?? vocabulary.value(for: token) }
        let frame = try file.sequenceFrame(resolve: lookup) ?? SequenceFrame(prefix: [], suffix: [])

        var unknownID: Int32?
        if let unknown = model["unk_token"]?.stringValue {
            guard let id = lookup(unknown) else { throw file.malformed("model.unk_token \(unknown) is not a token") }
            unknownID = id
        }
        // tokenizer_config.json names the pad token (ModernColBERT pads with [MASK]); a
        // tokenizer.json padding section is the fallback, then the last special token.
        let padID = config.token("pad_token").flatMap(lookup)
            ?? file.root["padding"]?["pad_id"]?.intValue.map(Int32.init)
            ?? frame.suffix.last ?? 0
        let raw = addedTokens.filter { !$0.normalized }.map { (text: $0.content, token: $0) }
        let normalized = addedTokens.filter(\.normalized).map { (text: normalizer.normalize($0.content), token: $0) }
        let largestID = max(vocabulary.largestValue ?? -1, addedTokens.map(\.id).max() ?? -1)
        return BPETokenizer(
            pipeline: BPEPipeline(
                normalizer: normalizer, splitter: splitter,
                // ByteLevel spells each byte as a character of the vocabulary; otherwise the
                // vocabulary holds plain characters.
                model: splitter.isByteLevel
                    ? BPEModel(vocabulary: vocabulary, merges: merges, endOfWordSuffix: "", unknownID: unknownID)
                    : BPEModel(
                        vocabulary: vocabulary, merges: merges, byteFallback: byteFallback,
                        fuseUnknown: model["fuse_unk"]?.boolValue ?? false, unknownID: unknownID),
                cache: BPEWordCache(),
                rawAddedTokens: AddedTokenMatcher(raw),
                normalizedAddedTokens: AddedTokenMatcher(normalized)),
            addedTokenIDs: added,
            frame: frame,
            padTokenID: padID,
            maskTokenID: config.token("mask_token").flatMap(lookup),
            vocabularySize: Int(largestID) + 1)
    }
}
