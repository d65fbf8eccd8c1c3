/// CLIP's text tokenizer: NFC + lower-case, CLIP's word pattern, byte-level BPE with `</w>`
/// ending each word, framed as `<|startoftext|> … <|endoftext|>`.
///
/// It reproduces transformers' CLIPTokenizer (tokenizers backend) id for id. Build one with
/// `ClipBPETokenizer.load(modelDirectory:)`. CLIP's context length (77 for the released
/// models) belongs to the text model's config, so callers pass it as `maxLength`; truncation
/// keeps `<|endoftext|>` in the last slot.
public struct ClipBPETokenizer: TextTokenizer {
    let normalizer = ClipNormalizer()
    let model: BPEModel
    let cache: BPEWordCache
    /// Added tokens matched in the raw text, and those matched after normalisation.
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    /// Added tokens by content, for `tokenID(_:)`.
    let addedTokenIDs: ByteStringTable
    let frame: SequenceFrame

    /// `<|startoftext|>` (49406 in CLIP's vocabulary), first id of every sequence.
    public let startTokenID: Int32
    /// `<|endoftext|>` (49407), last id of every sequence; CLIP pools the text at it.
    public let endTokenID: Int32
    public let padTokenID: Int32
    public let vocabularySize: Int

    public func encode(_ text: String, maxLength: Int, truncation: TruncationPolicy) throws(TokenizerError) -> TokenizedText {
        let budget = try frame.textBudget(maxLength: maxLength)
        let textIDs = textTokenIDs(of: text, limit: frame.productionLimit(budget: budget, truncation: truncation))
        return try frame.frame(textIDs, budget: budget, truncation: truncation)
    }

    /// The ids of `text` without special tokens and without any length limit.
    public func tokenIDs(of text: String) -> [Int32] {
        textTokenIDs(of: text, limit: .max)
    }

    /// The id of a token spelled as in vocab.json (byte-level characters, `</w>` ending a word:
    /// `"photo</w>"`), or of an added token (`"<|endoftext|>"`).
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
            var pieces: [AddedTokenMatcher.Piece] = []
            if rawAddedTokens.isEmpty {
                pieces.append(.text(0..<raw.count))
            } else {
                rawAddedTokens.split(raw, range: 0..<raw.count, into: &pieces)
            }
            var normalized: [UInt8] = []
            normalized.reserveCapacity(raw.count + 16)
            var scratch = BPEModel.Scratch()
            for piece in pieces {
                guard ids.count < limit else { return }
                switch piece {
                case .token(let id):
                    ids.append(id)
                case .text(let range):
                    normalized.removeAll(keepingCapacity: true)
                    normalizer.normalize(raw, range: range, into: &normalized)
                    normalized.withUnsafeBufferPointer { appendNormalizedText($0, limit: limit, to: &ids, scratch: &scratch) }
                }
            }
        }
        return ids
    }

    private func appendNormalizedText(
        _ bytes: UnsafeBufferPointer<UInt8>, limit: Int, to ids: inout [Int32], scratch: inout BPEModel.Scratch
    ) {
        if normalizedAddedTokens.isEmpty {
            appendWords(bytes, range: 0..<bytes.count, limit: limit, to: &ids, scratch: &scratch)
            return
        }
        var pieces: [AddedTokenMatcher.Piece] = []
        normalizedAddedTokens.split(bytes, range: 0..<bytes.count, into: &pieces)
        for piece in pieces where ids.count < limit {
            switch piece {
            case .token(let id): ids.append(id)
            case .text(let range): appendWords(bytes, range: range, limit: limit, to: &ids, scratch: &scratch)
            }
        }
    }

    /// Pre-tokenizes and runs BPE on each word, through the cache.
    private func appendWords(
        _ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, limit: Int, to ids: inout [Int32],
        scratch: inout BPEModel.Scratch
    ) {
        ClipPreTokenizer.forEachWord(in: bytes, range: range) { wordRange in
            let word = UnsafeBufferPointer(rebasing: bytes[wordRange])
            let hash = ByteStringTable.hash(word)
            if !cache.appendCached(word, hash: hash, to: &ids) {
                let first = ids.count
                model.appendTokens(ofWord: word, to: &ids, scratch: &scratch)
                cache.store(word, hash: hash, ids: ids[first...])
            }
            return ids.count < limit
        }
    }
}
