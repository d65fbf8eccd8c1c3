/// CLIP's text tokenizer: NFC + lower-case, CLIP's word pattern, byte-level BPE with `</w>`
/// ending each word, framed as `<|startoftext|> … <|endoftext|>`.
///
/// It reproduces transformers' CLIPTokenizer (tokenizers backend) id for id. Build one with
/// `ClipBPETokenizer.load(modelDirectory:)`. CLIP's context length (77 for the released
/// models) belongs to the text model's config, so callers pass it as `maxLength`; truncation
/// keeps `<|endoftext|>` in the last slot.
public struct ClipBPETokenizer: TextTokenizer {
    /// Added tokens, CLIP's normaliser and word pattern, and BPE with `</w>`.
    let pipeline: BPEPipeline<ClipNormalizer, ClipPreTokenizer>
    /// Added tokens by content, for `tokenID(_:)`.
    let addedTokenIDs: ByteStringTable
    let frame: SequenceFrame

    /// `<|startoftext|>` (49406 in CLIP's vocabulary), first id of every sequence.
    public let startTokenID: Int32
    /// `<|endoftext|>` (49407), last id of every sequence; CLIP pools the text at it.
    public let endTokenID: Int32
    public let padTokenID: Int32
    public let vocabularySize: Int

    var model: BPEModel { pipeline.model }
    var cache: BPEWordCache { pipeline.cache }

    public func encode(_ text: String, maxLength: Int, truncation: TruncationPolicy) throws(TokenizerError) -> TokenizedText {
        let budget = try frame.textBudget(maxLength: maxLength)
        let textIDs = pipeline.tokenIDs(of: text, limit: frame.productionLimit(budget: budget, truncation: truncation))
        return try frame.frame(textIDs, budget: budget, truncation: truncation)
    }

    /// The ids of `text` without special tokens and without any length limit.
    public func tokenIDs(of text: String) -> [Int32] {
        pipeline.tokenIDs(of: text, limit: .max)
    }

    public var sequencePrefix: [Int32] { frame.prefix }
    public var sequenceSuffix: [Int32] { frame.suffix }

    /// The id of a token spelled as in vocab.json (byte-level characters, `</w>` ending a word:
    /// `"photo</w>"`), or of an added token (`"<|endoftext|>"`).
    public func tokenID(_ token: String) -> Int32? {
        addedTokenIDs.value(for: token) ?? model.vocabulary.value(for: token)
    }
}
