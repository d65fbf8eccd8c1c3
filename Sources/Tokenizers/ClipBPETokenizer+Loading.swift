import Foundation

extension ClipBPETokenizer {
    /// Loads the tokenizer of a CLIP model folder in Hugging Face layout.
    ///
    /// Reads `tokenizer.json` when present (its `model.vocab`, `model.merges` as `"a b"`
    /// strings or `["a", "b"]` pairs, `end_of_word_suffix`, `unk_token`, added tokens and
    /// post-processor); otherwise `vocab.json` + `merges.txt`, with special token names from
    /// `tokenizer_config.json` when present. The normalisation and word splitting are CLIP's
    /// whatever the file declares: this type is for CLIP checkpoints only.
    public static func load(modelDirectory: URL) throws(TokenizerError) -> ClipBPETokenizer {
        let tokenizerFile = modelDirectory.appendingPathComponent("tokenizer.json")
        let vocabularyFile = modelDirectory.appendingPathComponent("vocab.json")
        let mergesFile = modelDirectory.appendingPathComponent("merges.txt")
        let config = try TokenizerConfig(directory: modelDirectory)
        if TokenizerFiles.exists(tokenizerFile) {
            return try load(tokenizerJSON: JSONFile(tokenizerFile), config: config)
        }
        guard TokenizerFiles.exists(vocabularyFile) else {
            throw .missingFile(path: tokenizerFile.path, alternatives: [vocabularyFile.path, mergesFile.path])
        }
        return try load(vocabularyFile: JSONFile(vocabularyFile), mergesFile: mergesFile, config: config)
    }

    static func load(tokenizerJSON file: JSONFile, config: TokenizerConfig) throws(TokenizerError) -> ClipBPETokenizer {
        guard let model = file.root["model"], model["type"]?.stringValue ?? "BPE" == "BPE" else {
            throw file.malformed("model is missing or not of type BPE")
        }
        let prefix = model["continuing_subword_prefix"]?.stringValue ?? ""
        guard prefix.isEmpty else { throw file.malformed("continuing_subword_prefix \(prefix) is not supported") }
        if let dropout = model["dropout"], !dropout.isNull {
            throw file.malformed("BPE dropout is not supported")
        }
        // CLIP ends words with "</w>"; a GPT-2/RoBERTa-style BPE (no suffix, spaces kept as "Ġ")
        // needs a different pipeline and would silently get wrong ids here.
        let suffix = model["end_of_word_suffix"]?.stringValue ?? ""
        guard suffix == "</w>" else {
            throw file.malformed("not a CLIP tokenizer: end_of_word_suffix is \(String(reflecting: suffix)), expected \"</w>\"")
        }
        let vocabulary = ByteStringTable(try file.vocabulary(model["vocab"], field: "model.vocab"))
        let pairs = try BPEMergeList.pairs(of: model, in: file)
        let addedTokens = try file.addedTokens()
        let added = ByteStringTable(addedTokens.map { (key: $0.content, value: $0.id) })
        let frame = try file.sequenceFrame { added.value(for: $0) ?? vocabulary.value(for: $0) }
        return try assemble(
            path: file.url.path, vocabulary: vocabulary, merges: pairs,
            endOfWordSuffix: suffix,
            unknownToken: model["unk_token"]?.stringValue, addedTokens: addedTokens, frame: frame,
            padID: file.root["padding"]?["pad_id"]?.intValue.map(Int32.init), config: config)
    }

    static func load(vocabularyFile file: JSONFile, mergesFile: URL, config: TokenizerConfig) throws(TokenizerError) -> ClipBPETokenizer {
        let vocabulary = ByteStringTable(try file.vocabulary(file.root, field: "the vocabulary"))
        var pairs: [(String, String)] = []
        for (index, line) in try TokenizerFiles.readLines(mergesFile).enumerated() {
            if (index == 0 && line.hasPrefix("#version")) || line.isEmpty { continue }
            guard let pair = BPEMergeList.split(line) else {
                throw .malformedFile(path: mergesFile.path, reason: "line \(index + 1) is not two tokens separated by a space")
            }
            pairs.append(pair)
        }
        // The slow CLIPTokenizer, like the tokenizer.json transformers converts from it, cuts
        // its special tokens out of the text before anything else.
        var addedTokens = config.addedTokens()
        for (key, name) in [("bos_token", "<|startoftext|>"), ("eos_token", "<|endoftext|>")] {
            let token = config.token(key) ?? name
            if let id = vocabulary.value(for: token), !addedTokens.contains(where: { $0.content == token }) {
                addedTokens.append(AddedToken(content: token, id: id))
            }
        }
        let start = config.token("bos_token") ?? "<|startoftext|>"
        let end = config.token("eos_token") ?? "<|endoftext|>"
        guard let startID = vocabulary.value(for: start), let endID = vocabulary.value(for: end) else {
            throw file.malformed("the vocabulary lacks \(start) or \(end)")
        }
        return try assemble(
            path: file.url.path, vocabulary: vocabulary, merges: pairs, endOfWordSuffix: "</w>",
            unknownToken: config.token("unk_token") ?? "<|endoftext|>", addedTokens: addedTokens,
            frame: SequenceFrame(prefix: [startID], suffix: [endID]), padID: nil, config: config)
    }

    private static func assemble(
        path: String, vocabulary: ByteStringTable, merges pairs: [(String, String)], endOfWordSuffix: String,
        unknownToken: String?, addedTokens: [AddedToken], frame: SequenceFrame?, padID: Int32?,
        config: TokenizerConfig
    ) throws(TokenizerError) -> ClipBPETokenizer {
        let merges = try BPEMergeList.table(pairs, vocabulary: vocabulary, path: path)
        let added = ByteStringTable(addedTokens.map { (key: $0.content, value: $0.id) })
        func lookup(_ token: String) -> Int32? { added.value(for: token) ?? vocabulary.value(for: token) }

        let startToken = config.token("bos_token") ?? "<|startoftext|>"
        let endToken = config.token("eos_token") ?? "<|endoftext|>"
        guard let startID = frame?.prefix.first ?? lookup(startToken),
            let endID = frame?.suffix.last ?? lookup(endToken)
        else { throw .malformedFile(path: path, reason: "no \(startToken) / \(endToken) token") }

        let normalizer = ClipNormalizer()
        let raw = addedTokens.filter { !$0.normalized }.map { (text: $0.content, token: $0) }
        let normalized = addedTokens.filter(\.normalized).map { (text: normalizer.normalize($0.content), token: $0) }
        let largestID = max(vocabulary.largestValue ?? -1, addedTokens.map(\.id).max() ?? -1)
        return ClipBPETokenizer(
            pipeline: BPEPipeline(
                normalizer: normalizer, splitter: ClipPreTokenizer(),
                model: BPEModel(
                    vocabulary: vocabulary, merges: merges, endOfWordSuffix: endOfWordSuffix,
                    unknownID: unknownToken.flatMap(lookup)),
                cache: BPEWordCache(),
                rawAddedTokens: AddedTokenMatcher(raw),
                normalizedAddedTokens: AddedTokenMatcher(normalized)),
            addedTokenIDs: added,
            frame: frame ?? SequenceFrame(prefix: [], suffix: []),
            startTokenID: startID,
            endTokenID: endID,
            padTokenID: padID ?? config.token("pad_token").flatMap(lookup) ?? endID,
            vocabularySize: Int(largestID) + 1)
    }
}
