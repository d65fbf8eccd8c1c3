/// What to do when a text needs more tokens than allowed.
public enum TruncationPolicy: Sendable, Hashable {
    /// Cut the end off: keep the beginning of the text (Hugging Face `truncation_side="right"`).
    case end
    /// Cut the start off: keep the end of the text (`truncation_side="left"`).
    case start
    /// Refuse the text with `TokenizerError.tooLong`.
    case error
}

/// The token ids of one text, special tokens included.
public struct TokenizedText: Sendable, Equatable {
    public var ids: [Int32]
    /// Whether tokens of the text were dropped to respect the length limit.
    public var wasTruncated: Bool

    public init(ids: [Int32], wasTruncated: Bool) {
        self.ids = ids
        self.wasTruncated = wasTruncated
    }
}

/// A tokenizer that turns text into model input ids, as the reference (Hugging Face) tokenizer
/// of the checkpoint does. Implementations are immutable values, safe to share across tasks.
public protocol TextTokenizer: Sendable {
    /// The ids of `text`, including the special tokens the model expects around it.
    ///
    /// - Parameters:
    ///   - maxLength: the most ids to return, special tokens included; must leave room for
    ///     at least the special tokens.
    ///   - truncation: what to do with a text that needs more than `maxLength` ids. Truncation
    ///     drops text tokens only; the special tokens are always present.
    func encode(_ text: String, maxLength: Int, truncation: TruncationPolicy) throws(TokenizerError) -> TokenizedText

    /// The id of a token given by its exact text (`"[MASK]"`, `"[Q]"`, `"<|endoftext|>"`), or
    /// nil when the vocabulary and added tokens do not have it.
    func tokenID(_ token: String) -> Int32?

    /// The ids of `text` alone: no special tokens, no length limit. Added tokens written in the
    /// text (`"[MASK]"`, `"<image>"`) become their ids.
    ///
    /// For WordPiece and CLIP, which drop whitespace before splitting, a text split at
    /// whitespace tokenises piece by piece to the same ids as whole. Byte-level BPE
    /// (`BPETokenizer`) keeps the space with the word after it, so there a word alone
    /// (`"world"`) and the same word inside a text (`"Ġworld"`) have different ids: to map tokens
    /// back to words use `tokenIDs(ofWords:)`.
    func tokenIDs(of text: String) -> [Int32]

    /// The ids of `words.joined(separator: " ")` (no special tokens, no length limit), each with
    /// the index of the word it came from. Words are expected without whitespace (a page's
    /// words); empty words yield no ids.
    func tokenIDs(ofWords words: [String]) -> WordTokenIDs

    /// The mask token's id (`[MASK]`), which ColBERT pads queries with; nil when the tokenizer
    /// has none (CLIP).
    var maskTokenID: Int32? { get }

    /// The special ids placed before and after every sequence (`[CLS]` / `[SEP]`,
    /// `<|startoftext|>` / `<|endoftext|>`).
    var sequencePrefix: [Int32] { get }
    var sequenceSuffix: [Int32] { get }

    /// The id to pad batches with.
    var padTokenID: Int32 { get }

    /// The number of ids the tokenizer can produce (vocabulary plus added tokens): the row count
    /// an embedding table needs.
    var vocabularySize: Int { get }
}

extension TextTokenizer {
    /// Word by word with `tokenIDs(of:)`: right for tokenizers that split at whitespace and drop
    /// it (WordPiece, CLIP), where each word's ids do not depend on the words around it.
    public func tokenIDs(ofWords words: [String]) -> WordTokenIDs {
        var result = WordTokenIDs()
        for (index, word) in words.enumerated() where !word.isEmpty {
            result.append(tokenIDs(of: word), word: index)
        }
        return result
    }

    public var maskTokenID: Int32? { nil }
}

/// The ids of a sequence of words and, for each id, the index of the word it came from.
public struct WordTokenIDs: Sendable, Equatable {
    public var ids: [Int32] = []
    /// As many entries as `ids`: `wordIndexes[i]` is the index, in the words given, of the
    /// word `ids[i]` belongs to. Non-decreasing.
    public var wordIndexes: [Int] = []

    public init(ids: [Int32] = [], wordIndexes: [Int] = []) {
        self.ids = ids
        self.wordIndexes = wordIndexes
    }

    /// The ids of word `index`, appended after those of earlier words.
    mutating func append(_ wordIDs: [Int32], word index: Int) {
        ids += wordIDs
        wordIndexes += repeatElement(index, count: wordIDs.count)
    }
}

/// The special tokens placed around every sequence, and the truncation that makes room for them.
struct SequenceFrame: Sendable, Equatable {
    var prefix: [Int32]
    var suffix: [Int32]

    var specialTokenCount: Int { prefix.count + suffix.count }

    /// How many text tokens fit, or an error when not even the special tokens do.
    func textBudget(maxLength: Int) throws(TokenizerError) -> Int {
        guard maxLength >= specialTokenCount else {
            throw .maxLengthTooSmall(maxLength: maxLength, specialTokenCount: specialTokenCount)
        }
        return maxLength - specialTokenCount
    }

    /// How many text tokens the tokenizer must produce before it may stop early: for `.end`
    /// one more than fits tells that the text was truncated; the other policies need them all
    /// (`.start` keeps the last ones, `.error` reports the full count).
    func productionLimit(budget: Int, truncation: TruncationPolicy) -> Int {
        truncation == .end ? budget + 1 : Int.max
    }

    /// Truncates `text` (the text's ids, possibly one more than `budget` under `.end`) and adds
    /// the special tokens.
    func frame(_ text: [Int32], budget: Int, truncation: TruncationPolicy) throws(TokenizerError) -> TokenizedText {
        var kept = text[...]
        if text.count > budget {
            switch truncation {
            case .end: kept = text[..<budget]
            case .start: kept = text[(text.count - budget)...]
            case .error: throw .tooLong(tokenCount: text.count + specialTokenCount, limit: budget + specialTokenCount)
            }
        }
        var ids: [Int32] = []
        ids.reserveCapacity(kept.count + specialTokenCount)
        ids.append(contentsOf: prefix)
        ids.append(contentsOf: kept)
        ids.append(contentsOf: suffix)
        return TokenizedText(ids: ids, wasTruncated: kept.count < text.count)
    }
}
