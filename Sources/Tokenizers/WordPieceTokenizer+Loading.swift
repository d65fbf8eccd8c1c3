import Foundation

extension WordPieceTokenizer {
    /// Loads the tokenizer of a BERT-family model folder in Hugging Face layout.
    ///
    /// Reads `tokenizer.json` when present (model `WordPiece`, normalizer `BertNormalizer`,
    /// pre-tokenizer `BertPreTokenizer`, its post-processor and added tokens). Otherwise falls
    /// back to `vocab.txt` with the flags of `tokenizer_config.json` (`do_lower_case`,
    /// `strip_accents`, `tokenize_chinese_chars`, special token names), building the tokenizer
    /// transformers would build from the same files.
    public static func load(modelDirectory: URL) throws(TokenizerError) -> WordPieceTokenizer {
        let tokenizerFile = modelDirectory.appendingPathComponent("tokenizer.json")
        let vocabularyFile = modelDirectory.appendingPathComponent("vocab.txt")
        let config = try TokenizerConfig(directory: modelDirectory)
        if TokenizerFiles.exists(tokenizerFile) {
            return try load(tokenizerJSON: JSONFile(tokenizerFile), config: config)
        }
        guard TokenizerFiles.exists(vocabularyFile) else {
            throw .missingFile(path: tokenizerFile.path, alternatives: [vocabularyFile.path])
        }
        return try load(vocabularyFile: vocabularyFile, config: config)
    }

    static func load(tokenizerJSON file: JSONFile, config: TokenizerConfig) throws(TokenizerError) -> WordPieceTokenizer {
        guard let model = file.root["model"], model["type"]?.stringValue ?? "WordPiece" == "WordPiece" else {
            throw file.malformed("model is missing or not of type WordPiece")
        }
        let vocabulary = ByteStringTable(try file.vocabulary(model["vocab"], field: "model.vocab"))

        let normalizer: BertNormalizer?
        switch file.root["normalizer"] {
        case nil, .null?:
            normalizer = nil
        case let value? where value["type"]?.stringValue == "BertNormalizer":
            let lowercase = value["lowercase"]?.boolValue ?? true
            normalizer = BertNormalizer(
                cleanText: value["clean_text"]?.boolValue ?? true,
                handleChineseChars: value["handle_chinese_chars"]?.boolValue ?? true,
                stripAccents: value["strip_accents"]?.boolValue ?? lowercase,
                lowercase: lowercase)
        case let value?:
            throw file.malformed("unsupported normalizer \(value["type"]?.stringValue ?? "(untyped)")")
        }
        let preTokenizer = file.root["pre_tokenizer"]?["type"]?.stringValue
        guard preTokenizer == "BertPreTokenizer" else {
            throw file.malformed("unsupported pre_tokenizer \(preTokenizer ?? "(none)"), expected BertPreTokenizer")
        }

        let unknownToken = model["unk_token"]?.stringValue ?? "[UNK]"
        guard let unknownID = vocabulary.value(for: unknownToken) else {
            throw file.malformed("unk_token \(unknownToken) is not in model.vocab")
        }
        let addedTokens = try file.addedTokens()
        let added = ByteStringTable(addedTokens.map { (key: $0.content, value: $0.id) })
        let resolve = { (token: String) in added.value(for: token) ?? vocabulary.value(for: token) }
        let frame = try file.sequenceFrame(resolve: resolve) ?? SequenceFrame(prefix: [], suffix: [])

        let padID = file.root["padding"]?["pad_id"]?.intValue.map(Int32.init)
        return try assemble(
            path: file.url.path, vocabulary: vocabulary, normalizer: normalizer,
            continuingSubwordPrefix: model["continuing_subword_prefix"]?.stringValue ?? "##",
            unknownID: unknownID,
            maxInputCharsPerWord: model["max_input_chars_per_word"]?.intValue ?? 100,
            addedTokens: addedTokens, frame: frame, padID: padID, config: config)
    }

    static func load(vocabularyFile url: URL, config: TokenizerConfig) throws(TokenizerError) -> WordPieceTokenizer {
        let lines = try TokenizerFiles.readLines(url)
        guard !lines.isEmpty else { throw .malformedFile(path: url.path, reason: "the vocabulary is empty") }
        let vocabulary = ByteStringTable(lines.enumerated().map { (key: $0.element, value: Int32($0.offset)) })

        // Without basic tokenisation transformers splits on whitespace only; not supported.
        guard config.bool("do_basic_tokenize") ?? true else {
            throw .malformedFile(path: config.url.path, reason: "do_basic_tokenize false is not supported")
        }
        let lowercase = config.bool("do_lower_case") ?? true
        let normalizer = BertNormalizer(
            cleanText: true,
            handleChineseChars: config.bool("tokenize_chinese_chars") ?? true,
            stripAccents: config.isNullOrAbsent("strip_accents") ? lowercase : config.bool("strip_accents") ?? lowercase,
            lowercase: lowercase)

        func id(of key: String, default name: String) throws(TokenizerError) -> Int32 {
            let token = config.token(key) ?? name
            guard let id = vocabulary.value(for: token) else {
                throw .malformedFile(path: url.path, reason: "\(key) \(token) is not in the vocabulary")
            }
            return id
        }
        let unknownID = try id(of: "unk_token", default: "[UNK]")
        let clsID = try id(of: "cls_token", default: "[CLS]")
        let sepID = try id(of: "sep_token", default: "[SEP]")

        // transformers never splits its special tokens, wherever they occur in the text.
        var addedTokens = config.addedTokens()
        let specialTokens = [
            ("unk_token", "[UNK]"), ("sep_token", "[SEP]"), ("pad_token", "[PAD]"), ("cls_token", "[CLS]"),
            ("mask_token", "[MASK]"),
        ]
        for (key, name) in specialTokens {
            let token = config.token(key) ?? name
            if let id = vocabulary.value(for: token), !addedTokens.contains(where: { $0.content == token }) {
                addedTokens.append(AddedToken(content: token, id: id))
            }
        }
        return try assemble(
            path: url.path, vocabulary: vocabulary, normalizer: normalizer, continuingSubwordPrefix: "##",
            unknownID: unknownID, maxInputCharsPerWord: 100, addedTokens: addedTokens,
            frame: SequenceFrame(prefix: [clsID], suffix: [sepID]), padID: nil, config: config)
    }

    /// The parts common to both sources: special ids, matchers, sizes.
    private static func assemble(
        path: String, vocabulary: ByteStringTable, normalizer: BertNormalizer?, continuingSubwordPrefix: String,
        unknownID: Int32, maxInputCharsPerWord: Int, addedTokens: [AddedToken], frame: SequenceFrame,
        padID: Int32?, config: TokenizerConfig
    ) throws(TokenizerError) -> WordPieceTokenizer {
        let added = ByteStringTable(addedTokens.map { (key: $0.content, value: $0.id) })
        func lookup(_ key: String, default name: String) -> Int32? {
            let token = config.token(key) ?? name
            return added.value(for: token) ?? vocabulary.value(for: token)
        }
        guard let clsID = frame.prefix.first ?? lookup("cls_token", default: "[CLS]"),
            let sepID = frame.suffix.last ?? lookup("sep_token", default: "[SEP]")
        else { throw .malformedFile(path: path, reason: "no [CLS]/[SEP] token") }

        let raw = addedTokens.filter { !$0.normalized }.map { (text: $0.content, token: $0) }
        let normalized = addedTokens.filter(\.normalized).map { token in
            (text: normalizer?.normalize(token.content) ?? token.content, token: token)
        }
        let largestID = max(vocabulary.largestValue ?? -1, addedTokens.map(\.id).max() ?? -1)
        return WordPieceTokenizer(
            normalizer: normalizer,
            model: WordPieceModel(
                vocabulary: vocabulary, continuingSubwordPrefix: continuingSubwordPrefix,
                unknownID: unknownID, maxInputCharsPerWord: maxInputCharsPerWord),
            rawAddedTokens: AddedTokenMatcher(raw),
            normalizedAddedTokens: AddedTokenMatcher(normalized),
            addedTokenIDs: added,
            frame: frame,
            padTokenID: padID ?? lookup("pad_token", default: "[PAD]") ?? 0,
            vocabularySize: Int(largestID) + 1,
            clsTokenID: clsID,
            sepTokenID: sepID,
            maskTokenID: lookup("mask_token", default: "[MASK]"))
    }
}
