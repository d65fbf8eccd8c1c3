/// Normalises a span of UTF-8 text, as a tokenizer.json `normalizer` does.
protocol BPETextNormalizer: Sendable {
    /// Appends the normalised UTF-8 of `bytes[range]` to `output`.
    func normalize(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, into output: inout [UInt8])
}

/// Cuts normalised text into the words BPE runs on, as a tokenizer.json `pre_tokenizer` does.
protocol BPEWordSplitter: Sendable {
    /// Calls `body` with the bytes of each word of `bytes[range]`, in order, until it returns
    /// false. The words may lie in `bytes` or in a buffer of the splitter's own (a prefix space).
    func forEachWord(
        in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Bool)
}

/// The part every byte-level BPE tokenizer shares, in the order Hugging Face tokenizers runs it:
/// added tokens matched on the raw text are cut out first, the rest is normalised, added tokens
/// that match normalised text are cut out of that, and what remains is split into words, each
/// encoded by BPE (through a cache of words already seen).
///
/// CLIP and the byte-level (GPT-2, RoBERTa, ModernBERT) tokenizers differ only in the normaliser
/// and the word splitter, which are type parameters so that the hot loop is specialised.
struct BPEPipeline<Normalizer: BPETextNormalizer, Splitter: BPEWordSplitter>: Sendable {
    let normalizer: Normalizer
    let splitter: Splitter
    let model: BPEModel
    let cache: BPEWordCache
    /// Added tokens matched in the raw text, and those matched after normalisation.
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher

    /// Text ids in order (added tokens included), stopping once `limit` have been produced.
    func tokenIDs(of text: String, limit: Int) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(min(limit, text.utf8.count / 3 + 8))
        var text = text
        text.withUTF8 { raw in
            let pieces = rawAddedTokens.pieces(of: raw)
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
        splitter.forEachWord(in: bytes, range: range) { word in
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
