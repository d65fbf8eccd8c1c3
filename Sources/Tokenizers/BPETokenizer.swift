/// A BPE tokenizer run from the checkpoint's tokenizer.json as Hugging Face tokenizers runs it:
/// added tokens cut out (raw, then normalised), the declared normaliser, the pre-tokenizer, BPE
/// without end-of-word suffix, then the post-processor's template.
///
/// Two families load with it:
/// - byte-level BPE, the tokenizer of GPT-2, RoBERTa and ModernBERT (and of the models built on
///   ModernBERT: ModernColBERT, ColModernVBERT): NFC, the `ByteLevel` pre-tokenizer (GPT-2's
///   pattern; a space belongs to the word after it), `[CLS] $A [SEP]`;
/// - character-level BPE with byte fallback (Gemma, SigLIP2): for SigLIP2 lower-casing and
///   spaces replaced by `▁`, no special tokens around the text.
///
/// Build one with `BPETokenizer.load(modelDirectory:)` or through `TokenizerLoader`.
///
/// Added tokens inside the text become their ids with the flags tokenizer.json gives them
/// (`lstrip`, `rstrip`, `single_word`, `normalized`): `tokenIDs(of: "a [MASK] b")` is the ids of
/// "a", `[MASK]` (which swallows the space before it: lstrip), " b"; `"<image>"` in a
/// ColModernVBERT prompt is the image token's id.
///
/// A word's ids depend on the space before it: `tokenIDs(of: "world")` spells `world` while
/// `tokenIDs(of: "hello world")` ends with `Ġworld`. Use `tokenIDs(ofWords:)` to tokenise a
/// sequence of words as the text that joins them with spaces.
public struct BPETokenizer: TextTokenizer {
    let pipeline: BPEPipeline<TokenizerJSONNormalizer, TokenizerJSONPreTokenizer>
    /// Added tokens by content, for `tokenID(_:)`.
    let addedTokenIDs: ByteStringTable
    let frame: SequenceFrame

    public let padTokenID: Int32
    /// The mask token (`[MASK]` for ModernBERT) named by tokenizer_config.json's `mask_token`;
    /// ColBERT expands queries with it.
    public let maskTokenID: Int32?
    public let vocabularySize: Int

    var model: BPEModel { pipeline.model }
    var cache: BPEWordCache { pipeline.cache }

    public func encode(_ text: String, maxLength: Int, truncation: TruncationPolicy) throws(TokenizerError) -> TokenizedText {
        let budget = try frame.textBudget(maxLength: maxLength)
        let textIDs = pipeline.tokenIDs(of: text, limit: frame.productionLimit(budget: budget, truncation: truncation))
        return try frame.frame(textIDs, budget: budget, truncation: truncation)
    }

    /// The ids of `text` without the template's special tokens and without any length limit;
    /// added tokens written in the text are matched (see the type's documentation).
    public func tokenIDs(of text: String) -> [Int32] {
        pipeline.tokenIDs(of: text, limit: .max)
    }

    /// The ids of `words.joined(separator: " ")`, each with the word it came from.
    ///
    /// Every word but the first is tokenised with the space before it, so its tokens are those
    /// the joined text has (`Ġworld`, not `world`): GPT-2's pattern never lets a word run across
    /// the space that starts the next one. The one way the results can differ from the joined
    /// text's is an added token that itself spans a space (ColBERT's `"[Q] "`) written across
    /// two words. Empty words yield no ids.
    ///
    /// For a pipeline whose words span spaces (SigLIP2 runs BPE on the whole text, `▁` for
    /// spaces), merges across a word boundary are not made, so the ids are the words' own
    /// rather than exactly the joined text's.
    public func tokenIDs(ofWords words: [String]) -> WordTokenIDs {
        var result = WordTokenIDs()
        for (index, word) in words.enumerated() where !word.isEmpty {
            let ids = pipeline.tokenIDs(of: index == 0 ? word : " " + word, limit: .max)
            result.append(ids, word: index)
        }
        return result
    }

    public var sequencePrefix: [Int32] { frame.prefix }
    public var sequenceSuffix: [Int32] { frame.suffix }

    /// The id of an added token (`"[MASK]"`, `"<image>"`) or of a vocabulary entry spelled as
    /// the vocabulary spells it (`"Ġworld"` in a byte-level vocabulary, `"▁world"` in SigLIP2's).
    public func tokenID(_ token: String) -> Int32? {
        addedTokenIDs.value(for: token) ?? model.vocabulary.value(for: token)
    }
}
