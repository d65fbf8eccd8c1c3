/// A transformer encoder as a late-interaction model runs it under its head: token ids in, the
/// last hidden state of every token out, where some tokens may be hidden from attention.
///
/// ``ColBERTTextEncoder`` takes any backbone, so a ColBERT over another encoder (PyLate's
/// ModernColBERT over ModernBERT) only needs its model to conform.
public protocol TokenEncoderBackbone: Sendable {
    /// Longest sequence of token ids (special tokens included) the model accepts.
    var maxPositions: Int { get }
    /// Width of a hidden state: the head's input size.
    var hiddenSize: Int { get }
    /// Encodes sequences of token ids (each at most ``maxPositions`` long, ids within the
    /// vocabulary). `attendable`, when given, has one flag per token of each sequence; a token
    /// whose flag is false is no attention key for any token (Hugging Face `attention_mask` 0)
    /// but still gets an output row: ColBERT's [MASK] query expansion.
    func callAsFunction(_ ids: [[Int32]], attendable: [[Bool]]?) -> PackedHiddenStates
}

extension TokenEncoderBackbone {
    /// Encodes sequences in which every token is attended to.
    public func callAsFunction(_ ids: [[Int32]]) -> PackedHiddenStates { self(ids, attendable: nil) }
}
