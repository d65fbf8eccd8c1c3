/// The BERT-family tokenizer (all-MiniLM, bge, e5, gte, ColBERT): BERT normalisation, BERT
/// pre-tokenisation (split on whitespace, isolate punctuation), WordPiece, then `[CLS] … [SEP]`.
///
/// It reproduces Hugging Face tokenizers' output for the checkpoint's tokenizer.json (or the
/// tokenizer transformers builds from vocab.txt), id for id. Build one with
/// `WordPieceTokenizer.load(modelDirectory:)`.
public struct WordPieceTokenizer: TextTokenizer {
    /// nil when tokenizer.json declares no normalizer.
    let normalizer: BertNormalizer?
    let model: WordPieceModel
    /// Added tokens matched in the raw text, and those matched after normalisation.
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    /// Added tokens by content, for `tokenID(_:)`.
    let addedTokenIDs: ByteStringTable
    let frame: SequenceFrame

    public let padTokenID: Int32
    public let vocabularySize: Int
    /// `[CLS]`, the first id of every sequence.
    public let clsTokenID: Int32
    /// `[SEP]`, the last id of every sequence.
    public let sepTokenID: Int32
    /// `[MASK]`, when the vocabulary has one.
    public let maskTokenID: Int32?

    public func encode(_ text: String, maxLength: Int, truncation: TruncationPolicy) throws(TokenizerError) -> TokenizedText {
        let budget = try frame.textBudget(maxLength: maxLength)
        let textIDs = textTokenIDs(of: text, limit: frame.productionLimit(budget: budget, truncation: truncation))
        return try frame.frame(textIDs, budget: budget, truncation: truncation)
    }

    /// The ids of `text` without special tokens and without any length limit.
    public func tokenIDs(of text: String) -> [Int32] {
        textTokenIDs(of: text, limit: .max)
    }

    public var sequencePrefix: [Int32] { frame.prefix }
    public var sequenceSuffix: [Int32] { frame.suffix }

    public func tokenID(_ token: String) -> Int32? {
        addedTokenIDs.value(for: token) ?? model.vocabulary.value(for: token)
    }

    /// Text ids in order, stopping once `limit` have been produced.
    func textTokenIDs(of text: String, limit: Int) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(min(limit, text.utf8.count / 3 + 8))
        var text = text
        text.withUTF8 { raw in
            let pieces = rawAddedTokens.pieces(of: raw)
            var normalized: [UInt8] = []
            normalized.reserveCapacity(raw.count + 16)
            for piece in pieces {
                guard ids.count < limit else { return }
                switch piece {
                case .token(let id):
                    ids.append(id)
                case .text(let range):
                    normalized.removeAll(keepingCapacity: true)
                    if let normalizer {
                        normalizer.normalize(raw, range: range, into: &normalized)
                    } else {
                        normalized.append(contentsOf: UnsafeBufferPointer(rebasing: raw[range]))
                    }
                    normalized.withUnsafeBufferPointer { appendNormalizedText($0, limit: limit, to: &ids) }
                }
            }
        }
        return ids
    }

    /// Splits normalized text on the normalized added tokens, then pre-tokenizes the rest.
    private func appendNormalizedText(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int, to ids: inout [Int32]) {
        if normalizedAddedTokens.isEmpty {
            appendWords(bytes, range: 0..<bytes.count, limit: limit, to: &ids)
            return
        }
        var pieces: [AddedTokenMatcher.Piece] = []
        normalizedAddedTokens.split(bytes, range: 0..<bytes.count, into: &pieces)
        for piece in pieces where ids.count < limit {
            switch piece {
            case .token(let id): ids.append(id)
            case .text(let range): appendWords(bytes, range: range, limit: limit, to: &ids)
            }
        }
    }

    /// BERT pre-tokenisation fused with the model: whitespace ends a word and is dropped, each
    /// punctuation scalar is a word of its own, and every word goes through WordPiece at once.
    private func appendWords(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, limit: Int, to ids: inout [Int32]) {
        var wordStart = -1
        var wordScalars = 0
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            let value: UInt32
            let length: Int
            if byte < 0x80 {
                value = UInt32(byte)
                length = 1
            } else {
                (value, length) = UTF8Buffer.decode(bytes, at: index)
            }
            let isSpace = UnicodeClasses.isWhiteSpace(value)
            if isSpace || UnicodeClasses.isBertPunctuation(value) {
                if wordStart >= 0 {
                    model.appendPieces(of: bytes, range: wordStart..<index, scalarCount: wordScalars, to: &ids)
                    wordStart = -1
                    wordScalars = 0
                }
                if !isSpace {
                    model.appendPieces(of: bytes, range: index..<index + length, scalarCount: 1, to: &ids)
                }
                if ids.count >= limit { return }
            } else {
                if wordStart < 0 { wordStart = index }
                wordScalars += 1
            }
            index += length
        }
        if wordStart >= 0 {
            model.appendPieces(of: bytes, range: wordStart..<range.upperBound, scalarCount: wordScalars, to: &ids)
        }
    }
}
